import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { LISTING_INDEXES, TABLE_KEY, TTL_ATTRIBUTE } from '../../lambda/adapters/dynamodb/keys.js';

/** The storage classes of the table, by the name CDK and the context use. */
export const TABLE_CLASSES = {
  STANDARD: dynamodb.TableClass.STANDARD,
  STANDARD_INFREQUENT_ACCESS: dynamodb.TableClass.STANDARD_INFREQUENT_ACCESS,
} as const;
export type TableClassName = keyof typeof TABLE_CLASSES;

export interface TracerTableProps {
  /**
   * What happens to the recorded history when the stack is deleted.
   * @default RemovalPolicy.RETAIN - the table outlives the stack
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Refuse DeleteTable calls, even from CloudFormation, until it is turned off.
   * @default - on, unless the removal policy is DESTROY (a stack that means to delete its table)
   */
  readonly deletionProtection?: boolean;
  /**
   * The table's storage class. Standard-IA stores for 60% less and writes for 25% more: it is cheaper once
   * storage is more than about a third of the table's bill, as for a history written once, kept 90 days
   * and read rarely (see the README's cost section).
   * @default dynamodb.TableClass.STANDARD
   */
  readonly tableClass?: dynamodb.TableClass;
}

/**
 * The single table that holds every recorded task, task definition and service event.
 * The key schema lives in `lambda/adapters/dynamodb/keys.ts`; this construct only declares it.
 */
export class TracerTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: TracerTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const deletionProtection = props.deletionProtection ?? removalPolicy !== RemovalPolicy.DESTROY;
    if (deletionProtection && removalPolicy === RemovalPolicy.DESTROY) {
      Annotations.of(this).addWarningV2(
        'tracer:table-deletion-protection',
        'The table has deletion protection and the DESTROY removal policy: deleting the stack fails until deletion protection is turned off.',
      );
    }
    // A new logical id for the task-item layout: CloudFormation adds or removes one index per update, so
    // an existing stack gets a new table (the old one is retained) and `tracer migrate` copies its history.
    this.table = new dynamodb.Table(this, 'TaskTable', {
      partitionKey: { name: TABLE_KEY.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEY.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // Task traffic is bursty (deployments, batch waves) and idle in between: on-demand fits both.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy,
      deletionProtection,
      tableClass: props.tableClass ?? dynamodb.TableClass.STANDARD,
    });
    for (const index of LISTING_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        // Keys only: a task's index entry is written once, when its keys first appear, never again as
        // the task item grows; a listing reads a page's items with one BatchGetItem.
        projectionType: dynamodb.ProjectionType.KEYS_ONLY,
      });
    }
  }
}
