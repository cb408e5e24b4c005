import * as cdk from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** A stack with no env: its manifest environment is aws://unknown-account/unknown-region. */
export class AgnosticStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);
    new sns.Topic(this, 'Alerts', { displayName: 'Alerts' });
  }
}
