import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  CENTRAL_BUS_NAME,
  FORWARDED_DETAIL_TYPES,
  FORWARDED_SOURCES,
  validateEventSources,
} from './organization-names.js';

export interface OrganizationBusProps {
  /**
   * Accounts whose source stacks may forward events to the bus.
   * @default - none; at least one of `sourceAccounts` and `organizationId` is required
   */
  readonly sourceAccounts?: readonly string[];
  /**
   * Every account of this AWS Organization may forward events to the bus (`aws:PrincipalOrgID`).
   * @default - none
   */
  readonly organizationId?: string;
}

/**
 * The central event bus (`tracer`) that source accounts forward their ECS and EC2 events to. Its resource
 * policy lets the listed accounts, or every account of the organization, put only the events tracer records.
 */
export class OrganizationBus extends Construct {
  readonly eventBus: events.EventBus;

  constructor(scope: Construct, id: string, props: OrganizationBusProps) {
    super(scope, id);
    const { accounts, organizationId } = validateEventSources(props);
    if (accounts.length === 0 && organizationId === undefined) {
      throw new Error('OrganizationBus needs sourceAccounts or organizationId: no account could send to it');
    }

    this.eventBus = new events.EventBus(this, 'Bus', {
      eventBusName: CENTRAL_BUS_NAME,
      description: 'tracer: ECS and EC2 events forwarded by the source accounts',
    });
    // A resource policy, not grantPutEventsTo: that grant falls back to the bus policy only behind a
    // feature flag, and it cannot carry the organization condition.
    // The source and detail-type conditions keep the bus to the events tracer records, whatever else a
    // source account's rules might send.
    const onlyTracerEvents = {
      'ForAllValues:StringEquals': {
        'events:source': [...FORWARDED_SOURCES],
        'events:detail-type': [...FORWARDED_DETAIL_TYPES],
      },
    };
    if (accounts.length > 0) {
      this.eventBus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'TracerSourceAccounts',
          principals: accounts.map((account) => new iam.AccountPrincipal(account)),
          actions: ['events:PutEvents'],
          resources: [this.eventBus.eventBusArn],
          conditions: onlyTracerEvents,
        }),
      );
    }
    if (organizationId !== undefined) {
      this.eventBus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'TracerSourceOrganization',
          principals: [new iam.OrganizationPrincipal(organizationId)],
          actions: ['events:PutEvents'],
          resources: [this.eventBus.eventBusArn],
          conditions: onlyTracerEvents,
        }),
      );
    }
  }
}
