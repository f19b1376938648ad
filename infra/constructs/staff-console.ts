import { DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import {
  CfnManagedLoginBranding,
  type IUserPool,
  OAuthScope,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { CONSOLE_HEADERS, consoleCsp, writeConsoleFiles } from '../../console/build.ts';
import type { StageConfig } from '../stage-config.ts';

export interface StaffConsoleProps {
  readonly config: StageConfig;
  /** The seller API: served through the same distribution, so the console calls its own origin. */
  readonly api: HttpApi;
  readonly userPool: IUserPool;
  /** The user pool's managed-login domain, where staff sign in. */
  readonly signInDomain: UserPoolDomain;
}

const consoleDir = fileURLToPath(new URL('../../console/', import.meta.url));

/** `/console` and `/console/` are the page (S3 has no directory index). */
const INDEX_REWRITE = `function handler(event) {
  var request = event.request;
  if (request.uri === '/console' || request.uri === '/console/') request.uri = '/console/index.html';
  return request;
}`;

/**
 * The staff console in AWS (#18): its files in a private bucket behind CloudFront (origin access
 * control), the seller API behind the same distribution (so the page's API calls are to its own
 * origin, no CORS), the headers the local runtime sends as a response headers policy (plus HSTS),
 * and the Cognito app client staff sign in with: managed login, authorization code with PKCE
 * (a public client, no secret; the implicit flow off), callbacks to the console's own URL.
 * `/console/config.json` is written at deploy time with the sign-in domain and the client id.
 */
export class StaffConsole extends Construct {
  readonly distribution: Distribution;
  readonly client: UserPoolClient;
  /** The console's URL on the distribution's domain. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: StaffConsoleProps) {
    super(scope, id);
    const { config } = props;
    const stack = Stack.of(this);

    const bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // Rebuilt from the repository on every deploy: nothing in it needs keeping.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The console’s own built files, public code with no data; every request to them is in the CloudFront distribution’s standard metrics.',
    });

    const signIn = props.signInDomain.baseUrl();
    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'Staff console: strict CSP (own origin + the Cognito sign-in domain), no framing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: consoleCsp(`'self' ${signIn}`), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: (['cross-origin-opener-policy', 'permissions-policy', 'cache-control'] as const).map((header) => ({
          header,
          value: CONSOLE_HEADERS[header] as string,
          override: true,
        })),
      },
    });

    const apiOrigin = new HttpOrigin(`${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
    });
    const apiBehavior = {
      origin: apiOrigin,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      // Every viewer header but Host (API Gateway routes on its own host), Authorization included.
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    this.distribution = new Distribution(this, 'Cdn', {
      comment: `${config.prefix} staff console`,
      defaultRootObject: 'console/index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        functionAssociations: [
          {
            eventType: FunctionEventType.VIEWER_REQUEST,
            function: new CloudFrontFunction(this, 'IndexRewrite', {
              code: FunctionCode.fromInline(INDEX_REWRITE),
              runtime: FunctionRuntime.JS_2_0,
              comment: '/console and /console/ are /console/index.html',
            }),
          },
        ],
      },
      additionalBehaviors: { '/cases*': apiBehavior, '/openapi.json': apiBehavior },
    });
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'Seller staff work from anywhere; sign-in (MFA required) is the control, not geography.' },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'The API behind it has its own throttling and JWT authorizer; WAF is a per-account choice (docs/operations.md).',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason: 'API requests are logged as JSON by the API stage; the static files carry no data. Standard metrics stay on.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default *.cloudfront.net certificate negotiates TLS 1.2+ with modern clients; a custom domain with TLSv1.2_2021 is the stage’s choice.',
      },
    );
    this.url = `https://${this.distribution.distributionDomainName}/console/`;

    const callbacks = [this.url, ...(config.consoleUrl === undefined ? [] : [config.consoleUrl])];
    this.client = new UserPoolClient(this, 'SignInClient', {
      userPool: props.userPool,
      userPoolClientName: `${config.prefix}-staff-console`,
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: callbacks,
        logoutUrls: callbacks,
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
      preventUserExistenceErrors: true,
    });
    new CfnManagedLoginBranding(this, 'SignInBranding', {
      userPoolId: props.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });

    new BucketDeployment(this, 'Deploy', {
      destinationBucket: bucket,
      sources: [
        Source.asset(consoleDir, {
          bundling: {
            // Built with esbuild on the deploying machine, as the functions are; no Docker.
            image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:24-slim'),
            local: {
              tryBundle(outputDir: string) {
                writeConsoleFiles(outputDir);
                return true;
              },
            },
          },
        }),
        Source.jsonData('console/config.json', { cognito: { domain: signIn, clientId: this.client.userPoolClientId } }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/console/*'],
      memoryLimit: 256,
      // Its own log group: retention and removal as the stage sets them, a generated name.
      logGroup: new LogGroup(this, 'DeployLogs', { retention: config.logRetention, removalPolicy: config.statefulRemovalPolicy }),
    });
    // CDK's own deploy-time helpers (the bucket deployment's and the bucket emptier's functions)
    // live at the stack's root; what cdk-nag finds there is CDK's code, acknowledged there only.
    for (const helper of stack.node.children) {
      if (!/^Custom::(CDKBucketDeployment|S3AutoDeleteObjects)/.test(helper.node.id)) continue;
      const reason =
        'CDK’s deploy-time helper: copies the console files from the CDK asset bucket into this bucket and invalidates the distribution.';
      Validations.of(helper).acknowledge(
        { id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', reason },
        ...[
          'Action::s3:Abort*',
          'Action::s3:DeleteObject*',
          'Action::s3:GetBucket*',
          'Action::s3:GetObject*',
          'Action::s3:List*',
          // cloudfront:CreateInvalidation cannot name a distribution more narrowly in CDK's helper.
          'Resource::*',
          `Resource::<${stack.getLogicalId(bucket.node.defaultChild as CfnBucket)}.Arn>/*`,
          'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
        ].map((finding) => ({ id: `AwsSolutions-IAM5[${finding}]`, reason })),
        { id: 'AwsSolutions-L1', reason: 'CDK’s deploy-time helper: its runtime is pinned by the CDK version, not by us.' },
      );
    }
  }
}
