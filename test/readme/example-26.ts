// Generated from README.md by scripts/readme-examples.js: edit the README, then run `npm run readme-examples`.
import { App, Duration } from 'cdk8s';
import { AuthorizationAction, ExtAuthzProvider, IngressGateway, MeshAuthorizationPolicy, MeshChart, MeshService } from 'cdk8s-mesh';

const chart = new MeshChart(new App(), 'production', { namespace: 'production' });
const oauth2Proxy = new MeshService(chart, 'oauth2-proxy', {
  image: 'quay.io/oauth2-proxy/oauth2-proxy:v7.7.1',
  ports: [{ port: 4180, name: 'http' }],
  healthCheckPath: '/ping',
  args: ['--http-address=0.0.0.0:4180', '--upstream=static://200', '--reverse-proxy', '--provider=oidc',
    '--oidc-issuer-url=https://auth.example.com', '--set-xauthrequest', '--email-domain=*'],
});
const admin = new MeshService(chart, 'admin-ui', { image: 'registry.example.com/admin-ui:1.0.0' });
admin.calls(oauth2Proxy, { port: 4180 }); // the check requests: every method and path the policy covers
new IngressGateway(chart, 'admin-gateway', { hosts: ['admin.example.com'], credentialName: 'admin-tls' }).route(admin);
new MeshAuthorizationPolicy(chart, 'admin-login', {
  action: AuthorizationAction.custom(ExtAuthzProvider.http({
    name: 'oauth2-proxy',
    service: 'oauth2-proxy.production.svc.cluster.local',
    port: 4180,
    timeout: Duration.seconds(2),
    includeRequestHeadersInCheck: ['cookie', 'authorization'],
    headersToUpstreamOnAllow: ['authorization', 'x-auth-request-user', 'x-auth-request-email'],
    headersToDownstreamOnDeny: ['content-type', 'set-cookie', 'location'],
  })),
  service: admin,
  rules: [{ to: [{ paths: ['/{**}'] }] }],
});
export {};
