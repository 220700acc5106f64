/**
 * The one place this project constructs an @apollo/gateway ApolloGateway (the router, the bench's
 * stock gateway, every test stack).
 *
 * @apollo/gateway 2.x creates a data-collection exporter in its constructor unless
 * APOLLO_TELEMETRY_DISABLED is `true` or `1` when the constructor runs: cloud resource detectors
 * probe the AWS, GCP, Azure and Alibaba metadata addresses (link-local), and usage metrics are
 * exported hourly to Apollo. A retail API sends nothing off its machine unless the operator chose
 * to, so the project's default is off, set here before every construction; the operator opts in
 * with ALLOW_VENDOR_TELEMETRY=1 (README, router/README.md).
 */
import { ApolloGateway, type GatewayConfig } from '@apollo/gateway';

/** The operator's opt-in to @apollo/gateway's own telemetry; anything but 1/true/yes/on keeps it off. */
export const TELEMETRY_OPT_IN = 'ALLOW_VENDOR_TELEMETRY';

const OPT_IN_VALUES = new Set(['1', 'true', 'yes', 'on']);

/**
 * Sets APOLLO_TELEMETRY_DISABLED=1 in `env` unless the operator opted in (a value such as `false`
 * left by someone else is overwritten: only the opt-in turns the exporter on). Returns whether
 * the gateway's exporter will run.
 */
export function applyTelemetryDefault(env: NodeJS.ProcessEnv = process.env): boolean {
  if (OPT_IN_VALUES.has((env[TELEMETRY_OPT_IN] ?? '').trim().toLowerCase())) {
    const disabled = env.APOLLO_TELEMETRY_DISABLED;
    return disabled !== 'true' && disabled !== '1';
  }
  env.APOLLO_TELEMETRY_DISABLED = '1';
  return false;
}

/** An ApolloGateway with the project's telemetry default applied before its constructor runs. */
export function createGateway(config: GatewayConfig): ApolloGateway {
  applyTelemetryDefault();
  return new ApolloGateway(config);
}
