import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const HAS_SYSTEMD_ANALYZE = existsSync('/usr/bin/systemd-analyze');

/** The schema check CI pipes `helm template` into. */
const check = (yaml: string) =>
  spawnSync(process.execPath, ['scripts/check-k8s.mjs'], { input: yaml, encoding: 'utf8' });

const DEPLOYMENT = (replicas: string, readiness: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: sy}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: sy}}
  template:
    metadata: {labels: {app: sy}}
    spec:
      containers:
        - name: sy
          image: switchyard:0.1.0
          livenessProbe: {httpGet: {path: /health, port: 8080}}
          readinessProbe: {httpGet: {path: ${readiness}, port: 8080}}
---
apiVersion: v1
kind: Service
metadata: {name: sy}
spec:
  selector: {app: other}
  ports: [{port: 80, targetPort: 8080}]
`;

describe('deployment files', () => {
  it('the manifest check accepts valid resources and names schema and selector problems', () => {
    const good = check(DEPLOYMENT('2', '/ready').replace('app: other', 'app: sy'));
    expect([good.status, good.stdout.trim()]).toEqual([0, '2 resources valid: Deployment, Service']);
    const bad = check(DEPLOYMENT('two', '/health'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('apps/v1/Deployment sy: data/spec/replicas must be integer');
    expect(bad.stderr).toContain('Deployment: readiness probe is not /ready');
    expect(bad.stderr).toContain('Service sy: selects no pod');
  });

  it('the Helm chart probes /health for liveness and /ready for readiness, and waits out SHUTDOWN_TIMEOUT_MS', () => {
    const values = readFileSync('deploy/helm/switchyard/values.yaml', 'utf8');
    expect(values).toMatch(/livenessProbe:\n {2}httpGet:\n {4}path: \/health/);
    expect(values).toMatch(/readinessProbe:\n {2}httpGet:\n {4}path: \/ready/);
    expect(Number(/^terminationGracePeriodSeconds: (\d+)$/m.exec(values)?.[1])).toBeGreaterThan(30);
  });

  it('the systemd unit runs node itself (signals reach the gateway) and passes systemd-analyze verify', () => {
    const unit = readFileSync('deploy/systemd/switchyard.service', 'utf8');
    expect(unit).toMatch(/^ExecStart=\S*node -- \S+switchyard\.mjs$/m);
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m);
    expect(Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)?.[1])).toBeGreaterThan(30);
    if (!HAS_SYSTEMD_ANALYZE) return;
    const result = spawnSync('systemd-analyze', ['verify', '--man=no', 'deploy/systemd/switchyard.service'], {
      encoding: 'utf8',
    });
    // It warns (exit 0) about what it cannot parse; a missing /usr/bin/node is this machine's business.
    const warnings = result.stderr.split('\n').filter((line) => line && !/usr\/bin\/node|not executable/.test(line));
    expect(warnings).toEqual([]);
  });

  it('the docs start the gateway so that signals reach it: no npm start', () => {
    const docs = execFileSync('git', ['ls-files', 'README.md', 'docs/*.md'], { encoding: 'utf8' }).trim().split('\n');
    for (const file of docs) {
      for (const line of readFileSync(file, 'utf8').split('\n'))
        if (/npm start/.test(line)) expect(line, file).toMatch(/not `npm start`|npm does not pass/);
    }
  });
});
