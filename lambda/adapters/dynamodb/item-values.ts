/**
 * How the values of a task item are written (task-item.ts): statuses as their place in the lifecycle,
 * times as epoch milliseconds, hex ids and event ids as bytes, and long texts compressed with a preset
 * dictionary. Each encoding reads back to exactly the text it was given; anything it cannot shorten stays
 * a string.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { BoundedMap } from '../../core/bounded-map.js';
import { exactIsoMs } from '../../core/iso-time.js';
import { TASK_STATUSES } from '../../core/model.js';

/**
 * Phrases that ECS stop reasons and tracer's failure classifications repeat, as the preset dictionary of
 * the compressed texts: a stopped reason or a classification then takes a few dozen bytes instead of a
 * few hundred. Stored texts name the dictionary by their first byte, so this one never changes; a new one
 * gets the next number.
 */
const TEXT_DICTIONARIES: Readonly<Record<number, Buffer>> = {
  1: Buffer.from(
    [
      'CannotPullContainerError: ResourceInitializationError: unable to pull secrets or registry auth: ',
      'OutOfMemoryError: Container killed due to memory usage',
      'Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:',
      'Task failed container health checks',
      'Task stopped by user',
      'Scaling activity initiated by (deployment ecs-svc/',
      'Essential container in task exited',
      '"hint":"Read the stopped reason and the last log lines of each container."',
      '"diagnosis":"The task stopped: ',
      '"diagnosis":"The task finished: its essential containers exited with code 0."',
      '"diagnosis":"Stopped by the service scheduler (ServiceSchedulerInitiated): ',
      '"diagnosis":"Stopped by a user or an API call (UserInitiated): ',
      '"diagnosis":"Image pull failed: ECS could not pull ',
      '"diagnosis":"Out of memory: container ',
      ' was killed because it used more memory than its limit',
      '"diagnosis":"Essential container ',
      ' (a general application error).","hint":"Read the last log lines of ',
      ' before the stop.","container":"',
      '","exitCode":1,"stopCode":"EssentialContainerExited"}',
      '{"failed":false,"kind":"not-failed",',
      '{"failed":true,"kind":"essential-container-exited",',
      ' exited with code ',
      '","stopCode":"ServiceSchedulerInitiated"}',
      '","stopCode":"UserInitiated"}',
      '","stopCode":"EssentialContainerExited"}',
    ].join(''),
  ),
};
const TEXT_DICTIONARY = 1;

/**
 * Texts packed lately. Every event of a task carries its classification, and a stop reason repeats over
 * the tasks of a service, so most texts were packed a moment ago; deflating them again at level 9 would be
 * the costliest step of encoding an event.
 */
const packedTexts = new BoundedMap<string, AttributeValue>(500);

/** A text as a string, or compressed with the dictionary when that is smaller (first byte: dictionary). */
export function packText(text: string): AttributeValue {
  const cached = packedTexts.get(text);
  if (cached) return cached;
  const packed = deflateRawSync(Buffer.from(text), {
    level: 9,
    dictionary: TEXT_DICTIONARIES[TEXT_DICTIONARY],
  });
  const value: AttributeValue =
    packed.length + 1 < Buffer.byteLength(text)
      ? { B: Buffer.concat([Buffer.from([TEXT_DICTIONARY]), packed]) }
      : { S: text };
  packedTexts.set(text, value);
  return value;
}

export function unpackText(value: AttributeValue): string {
  if (!value.B) return value.S ?? '';
  const bytes = Buffer.from(value.B);
  const dictionary = TEXT_DICTIONARIES[bytes[0] ?? 0];
  if (!dictionary)
    throw new Error(`a stored text names dictionary ${bytes[0]}, which this tracer does not know`);
  return inflateRawSync(bytes.subarray(1), { dictionary }).toString('utf8');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const SHA256_DIGEST = /^sha256:([0-9a-f]{64})$/;
export const HEX_ID = /^[0-9a-f]{64}$/;

/** A task or container status as its place in TASK_STATUSES (one byte or two), or as text when new. */
export function encodeStatus(status: string): AttributeValue {
  const index = (TASK_STATUSES as readonly string[]).indexOf(status);
  return index < 0 ? { S: status } : { N: String(index) };
}

export function decodeStatus(value: AttributeValue): string {
  return value.N === undefined ? (value.S ?? '') : (TASK_STATUSES[Number(value.N)] ?? '');
}

/** An ISO time as epoch milliseconds when that reads back to the same text, else the text itself. */
export function encodeTime(iso: string): AttributeValue {
  const ms = exactIsoMs(iso);
  return ms === undefined ? { S: iso } : { N: String(ms) };
}

/**
 * A time as milliseconds after another (updatedAt after the event time: a few digits instead of
 * thirteen) when both read back exactly as numbers; else the text of the time.
 */
export function encodeOffset(iso: string, fromIso: string): AttributeValue {
  const time = encodeTime(iso);
  const from = encodeTime(fromIso);
  return time.N !== undefined && from.N !== undefined
    ? { N: String(Number(time.N) - Number(from.N)) }
    : { S: iso };
}

export function decodeOffset(value: AttributeValue, from: AttributeValue): string {
  return value.N === undefined ? (value.S ?? '') : new Date(Number(from.N) + Number(value.N)).toISOString();
}

export function decodeTime(value: AttributeValue): string {
  return value.N !== undefined ? new Date(Number(value.N)).toISOString() : (value.S ?? '');
}

export function encodeId(value: string, pattern: RegExp): AttributeValue {
  const hex = pattern.exec(value)?.[1] ?? (pattern === HEX_ID && HEX_ID.test(value) ? value : undefined);
  return hex ? { B: Buffer.from(hex, 'hex') } : { S: value };
}

export function decodeId(value: AttributeValue, prefix: string): string {
  return value.B ? `${prefix}${Buffer.from(value.B).toString('hex')}` : (value.S ?? '');
}

export function encodeEventId(eventId: string): AttributeValue {
  return UUID.test(eventId) ? { B: Buffer.from(eventId.replaceAll('-', ''), 'hex') } : { S: eventId };
}

export function decodeEventId(value: AttributeValue): string {
  if (!value.B) return value.S ?? '';
  const h = Buffer.from(value.B).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
