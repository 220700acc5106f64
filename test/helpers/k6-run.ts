/**
 * The process runScriptInProcess (test/helpers/k6.ts) starts: runs one loadtests/k6 script's setup()
 * and default function with real HTTP (curl) and prints what it did as JSON on stdout.
 *
 *   node --import tsx test/helpers/k6-run.ts '{"script":"product-detail.js","scenario":"product_detail","iterations":30,"env":{...}}'
 */
import { curlTransport, k6Runtime, k6Script, type K6Options, type K6Run } from './k6';

const opts = JSON.parse(process.argv[2] ?? '{}') as {
  script: string;
  scenario: string;
  iterations: number;
  env: Record<string, string>;
};
const k6 = k6Runtime(curlTransport);
const mod = k6Script(opts.script, k6.stubs, opts.env);
const setup = mod.setup as (() => unknown) | undefined;
const data = setup ? setup() : undefined;
const fromSetup = k6.sent.length;
k6.runtime.tags = { scenario: opts.scenario };
const iterate = mod.default as (d: unknown) => void;
for (let i = 0; i < opts.iterations; i++) {
  k6.vu.iterationInScenario = i;
  iterate(data);
}
const run: K6Run = {
  // JSON round trip: the options object lives in the script's vm realm.
  options: JSON.parse(JSON.stringify(mod.options)) as K6Options,
  setupRequests: k6.sent.slice(0, fromSetup),
  iterationRequests: k6.sent.slice(fromSetup),
  answers: k6.answers,
  metrics: k6.metrics,
  failedChecks: k6.failedChecks,
};
process.stdout.write(JSON.stringify(run));
