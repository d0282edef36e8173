// Types of scripts/lambda-bundle.mjs, which stays plain JavaScript so that Node runs it without a loader.
import type { BuildOptions, BuildResult, Plugin, StdinOptions } from 'esbuild';

export declare const BUNDLE_TARGET: string;
export declare const ESM_REQUIRE_BANNER: string;
export declare const BUNDLE_ALIASES: Readonly<Record<string, string>>;
export declare const KEPT_SDK_ERRORS: readonly string[];
export declare const REPLACED_SDK_FILES: Readonly<Record<string, string>>;
export declare const slimSdkClients: Plugin;
export declare function lambdaBuildOptions(input: {
  readonly entry?: string;
  readonly stdin?: StdinOptions;
  readonly outfile: string;
  readonly metafile?: boolean;
}): BuildOptions;
export declare function bundleLambda(entry: string, outdir: string): Promise<BuildResult>;
