import * as cdk from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** A nested stack with a table and a queue (its own *.nested.template.json). */
export class StorageNestedStack extends cdk.NestedStack {
  readonly table: dynamodb.Table;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props?: cdk.NestedStackProps) {
    super(scope, id, props);
    this.table = new dynamodb.Table(this, 'Items', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      retentionPeriod: cdk.Duration.days(14),
    });
  }
}

/** A plain Construct (not a Stack) that only groups resources. */
export class Messaging extends Construct {
  readonly topic: sns.Topic;
  readonly inbox: sqs.Queue;

  constructor(scope: Construct, id: string, deadLetterQueue: sqs.IQueue) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Events');
    this.inbox = new sqs.Queue(this, 'Inbox', {
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 3 },
    });
    this.topic.addSubscription(new subs.SqsSubscription(this.inbox));
  }
}

export class SharedStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    const bucket = new s3.Bucket(this, 'ArtifactBucket', {
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });

    const storage = new StorageNestedStack(this, 'Storage');
    const messaging = new Messaging(this, 'Messaging', storage.deadLetters);

    new cdk.CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new cdk.CfnOutput(this, 'TopicArn', { value: messaging.topic.topicArn });
    new cdk.CfnOutput(this, 'TableName', { value: storage.table.tableName });
  }
}
