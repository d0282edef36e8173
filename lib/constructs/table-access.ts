import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  GSI_FAILED_BY_MONTH,
  GSI_TASKS_BY_DAY,
  LEADING_KEY_PATTERNS,
} from '../../lambda/adapters/dynamodb/keys.js';
import type { Grantee } from './grants.js';

/** The DynamoDB item actions tracer's functions call; nothing else is ever granted. */
export type DynamoDbReadAction = 'dynamodb:GetItem' | 'dynamodb:BatchGetItem' | 'dynamodb:Query';
export type DynamoDbWriteAction = 'dynamodb:PutItem' | 'dynamodb:UpdateItem' | 'dynamodb:BatchWriteItem';

/** One write action, confined to items whose partition key matches one of the patterns. */
export interface TableWrite {
  readonly action: DynamoDbWriteAction;
  /** `dynamodb:LeadingKeys` patterns (IAM StringLike), from `LEADING_KEY_PATTERNS`. */
  readonly leadingKeys: readonly string[];
  /** Why the function writes these items; the README's role table repeats it. */
  readonly why: string;
}

/** What one function does with the table: exactly the calls its code makes, and why. */
export interface TableAccess {
  /** Item reads on the table itself, any item. */
  readonly reads: readonly DynamoDbReadAction[];
  /** Indexes the function queries (`dynamodb:Query` on each index). @default - none */
  readonly queriedIndexes?: readonly string[];
  readonly readsWhy: string;
  readonly writes: readonly TableWrite[];
}

const K = LEADING_KEY_PATTERNS;

/**
 * The recorder: writes each event into its task's item and the cluster registry, keeps task definition
 * revisions and service events, and reads a stored revision before describing it again. No queries, no
 * deletes.
 */
export const RECORDER_TABLE_ACCESS: TableAccess = {
  reads: ['dynamodb:GetItem'],
  readsWhy: 'reads a stored task definition revision before it asks ECS to describe it',
  writes: [
    {
      action: 'dynamodb:UpdateItem',
      leadingKeys: [K.task, K.cluster],
      why: "adds each event's version to its task item, and the task's day to the cluster registry",
    },
    {
      action: 'dynamodb:PutItem',
      leadingKeys: [K.taskDefinition],
      why: 'keeps the log configuration of each task definition revision it sees',
    },
    {
      action: 'dynamodb:BatchWriteItem',
      leadingKeys: [K.serviceEvent],
      why: 'keeps the service events of a stopped task (ECS keeps only the last 100)',
    },
  ],
};

/**
 * The query function: reads tasks, clusters, task definitions and service events, lists through both
 * indexes, and keeps a revision it had to describe.
 */
export const QUERY_TABLE_ACCESS: TableAccess = {
  reads: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  queriedIndexes: [GSI_TASKS_BY_DAY.indexName, GSI_FAILED_BY_MONTH.indexName],
  readsWhy:
    'reads tasks, the cluster registry, task definitions and service events; lists tasks through the two listing indexes and reads a page of them at once',
  writes: [
    {
      action: 'dynamodb:PutItem',
      leadingKeys: [K.taskDefinition],
      why: 'keeps a task definition revision it had to describe, for the day ECS deletes it',
    },
  ],
};

/**
 * The notifier: reads the stopped task, its task definition and service events, claims and marks its
 * ledger item, and keeps a revision it had to describe. It never writes a recorded task.
 */
export const NOTIFIER_TABLE_ACCESS: TableAccess = {
  reads: ['dynamodb:GetItem', 'dynamodb:Query'],
  readsWhy:
    "reads the stopped task, its task definition, its ledger item (and the earlier layout's) and queries its service's events",
  writes: [
    {
      action: 'dynamodb:PutItem',
      leadingKeys: [K.notification, K.taskDefinition],
      why: 'claims a notification in its ledger (a conditional put) and keeps a revision it had to describe',
    },
    {
      action: 'dynamodb:UpdateItem',
      leadingKeys: [K.notification],
      why: 'marks a notification sent',
    },
  ],
};

/**
 * Grants one function exactly its table access: reads on the table, Query on the named indexes, and each
 * write confined by a `dynamodb:LeadingKeys` condition to the partitions of the items it writes.
 * `ForAllValues` must hold for every partition key a call touches, each item of a BatchWriteItem included;
 * these write calls always carry their keys, so the condition is never vacuously true. The table and its
 * indexes are named, so no wildcard resource is left for cdk-nag to acknowledge.
 * @example grantTableAccess(recorder, table, RECORDER_TABLE_ACCESS)
 */
export function grantTableAccess(grantee: Grantee, table: dynamodb.ITable, access: TableAccess): void {
  iam.Grant.addToPrincipal({ grantee, actions: [...access.reads], resourceArns: [table.tableArn] });
  const indexArns = (access.queriedIndexes ?? []).map((name) => `${table.tableArn}/index/${name}`);
  if (indexArns.length > 0) {
    iam.Grant.addToPrincipal({ grantee, actions: ['dynamodb:Query'], resourceArns: indexArns });
  }
  for (const write of access.writes) {
    iam.Grant.addToPrincipal({
      grantee,
      actions: [write.action],
      resourceArns: [table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...write.leadingKeys] } },
    });
  }
}
