import { RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import { LISTING_INDEXES, TABLE_KEY, TTL_ATTRIBUTE } from '../../lambda/adapters/dynamodb/keys.js';
import { TracerTable } from '../../lib/constructs/tracer-table.js';
import { synth } from './support.js';

describe('TracerTable', () => {
  // GIVEN a table with the defaults
  const { template } = synth((stack) => new TracerTable(stack, 'Table'));

  it('declares the single-table key schema of keys.ts', () => {
    // THEN
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE_KEY.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEY.sortKey, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: TABLE_KEY.partitionKey, AttributeType: 'S' },
        { AttributeName: TABLE_KEY.sortKey, AttributeType: 'S' },
      ]),
    });
  });

  it.each(LISTING_INDEXES)(
    'declares the $indexName index with string keys, projecting only its keys',
    (index) => {
      // THEN
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: Match.arrayWith([
          {
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'KEYS_ONLY' },
          },
        ]),
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: index.partitionKey, AttributeType: 'S' },
          { AttributeName: index.sortKey, AttributeType: 'S' },
        ]),
      });
    },
  );

  it('expires items through the TTL attribute of keys.ts', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });

  it('is on-demand, with point-in-time recovery and AWS-managed encryption', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a key id: the AWS-managed key aws/dynamodb.
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
    });
  });

  it('keeps the recorded history when the stack is deleted or the table replaced', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('uses the Standard table class unless asked for Standard-IA', () => {
    // THEN
    template.hasResourceProperties('AWS::DynamoDB::Table', { TableClass: 'STANDARD' });
    // GIVEN
    const ia = synth(
      (stack) =>
        new TracerTable(stack, 'Table', { tableClass: dynamodb.TableClass.STANDARD_INFREQUENT_ACCESS }),
    );
    // THEN
    ia.template.hasResourceProperties('AWS::DynamoDB::Table', { TableClass: 'STANDARD_INFREQUENT_ACCESS' });
  });

  it('protects the table from deletion by default', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
  });

  it('leaves deletion protection off when asked', () => {
    const { template: custom } = synth(
      (stack) => new TracerTable(stack, 'Table', { deletionProtection: false }),
    );
    const table = Object.values(custom.findResources('AWS::DynamoDB::Table'))[0] as {
      Properties: Record<string, unknown>;
    };
    expect(table.Properties.DeletionProtectionEnabled ?? false).toBe(false);
  });

  it('leaves deletion protection off for a table the stack means to delete, unless asked', () => {
    const { template: destroyed } = synth(
      (stack) => new TracerTable(stack, 'Table', { removalPolicy: RemovalPolicy.DESTROY }),
    );
    const table = Object.values(destroyed.findResources('AWS::DynamoDB::Table'))[0] as {
      Properties: Record<string, unknown>;
    };
    expect(table.Properties.DeletionProtectionEnabled ?? false).toBe(false);
    destroyed.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });

  it('turns deletion protection on with another removal policy when asked, and warns that deleting the stack will fail', () => {
    // GIVEN
    const { template: custom, stack } = synth(
      (stack) =>
        new TracerTable(stack, 'Table', { deletionProtection: true, removalPolicy: RemovalPolicy.DESTROY }),
    );
    // THEN
    custom.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    custom.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    Annotations.fromStack(stack).hasWarning(
      '/Test/Table',
      Match.stringLikeRegexp('deleting the stack fails until deletion protection is turned off'),
    );
  });
});
