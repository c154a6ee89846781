// Policy specs: canonical labels, durations in trace time, refusals naming what is valid.

import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES, formatKeepAlive, parseKeepAlive, parsePolicy, policyFits } from './policy.js';

describe('trace policies', () => {
  it('parses each kind into its parameters and a canonical label', () => {
    expect(parsePolicy('fresh')).toEqual({ kind: 'fresh', label: 'fresh', warm: 0, keepAliveMs: Infinity });
    expect(parsePolicy('fresh:600s')).toEqual({ kind: 'fresh', label: 'fresh:10m', warm: 0, keepAliveMs: 600_000 });
    expect(parsePolicy('per-request')).toEqual({ kind: 'per-request', label: 'per-request', warm: 0, keepAliveMs: 0 });
    expect(parsePolicy('lambda:0')).toEqual({ kind: 'lambda', label: 'lambda:0', warm: 0, keepAliveMs: 0 });
    expect(parsePolicy('lambda:60s').label).toBe('lambda:1m');
    expect(parsePolicy('lambda:1.5m').keepAliveMs).toBe(90_000);
    expect(parsePolicy('pool:4')).toEqual({ kind: 'pool', label: 'pool:4', warm: 4, keepAliveMs: 0 });
    expect(parsePolicy('pool:2:30s')).toEqual({ kind: 'pool', label: 'pool:2:30s', warm: 2, keepAliveMs: 30_000 });
    for (const p of DEFAULT_POLICIES) expect(parsePolicy(p).label).toBe(p);
  });

  it('reads and writes durations', () => {
    expect(parseKeepAlive('0')).toBe(0);
    expect(parseKeepAlive('250ms')).toBe(250);
    expect(parseKeepAlive('1h')).toBe(3_600_000);
    expect(formatKeepAlive(90_000)).toBe('90s');
    expect(formatKeepAlive(1500)).toBe('1500ms');
    expect(() => parseKeepAlive('10')).toThrow(/not a duration/);
    expect(() => parseKeepAlive('1d')).toThrow(/not a duration/);
  });

  it('refuses bad specs with what is valid', () => {
    expect(() => parsePolicy('warm:3')).toThrow(/unknown kind 'warm' \(valid: fresh/);
    expect(() => parsePolicy('lambda')).toThrow(/lambda needs its keep-alive/);
    expect(() => parsePolicy('pool:0')).toThrow(/size must be a whole number from 1 to 64/);
    expect(() => parsePolicy('pool:2:soon')).toThrow(/'soon' is not a duration/);
    expect(() => parsePolicy('per-request:1m')).toThrow(/takes no parameter/);
  });

  it('matches fresh to fresh-instance runtimes and the rest to the others', () => {
    expect(policyFits(parsePolicy('fresh'), true)).toBe(true);
    expect(policyFits(parsePolicy('fresh'), false)).toBe(false);
    expect(policyFits(parsePolicy('pool:1'), false)).toBe(true);
    expect(policyFits(parsePolicy('lambda:1m'), true)).toBe(false);
  });
});
