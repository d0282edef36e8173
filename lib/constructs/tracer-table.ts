import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  GSI_BY_CLUSTER_TIME,
  GSI_FAILED_BY_CLUSTER,
  TABLE_KEY,
  TTL_ATTRIBUTE,
} from '../../lambda/adapters/dynamodb/keys.js';

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
}

/**
 * The single table that holds every recorded transition, task summary, task definition and service event.
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
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEY.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEY.sortKey, type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: TTL_ATTRIBUTE,
      // Task traffic is bursty (deployments, batch waves) and idle in between: on-demand fits both.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy,
      deletionProtection,
    });
    for (const index of [GSI_BY_CLUSTER_TIME, GSI_FAILED_BY_CLUSTER]) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        // Listings show the summary's columns; projecting everything spares a GetItem per row.
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}
