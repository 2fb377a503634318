import { describe, expect, it } from 'vitest';
import { cpuRatio, create, desired, overloaded, ready, setDesired, type SimulatedService } from '../../lib/simulatedService';

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const s = (seconds: number) => T0 + seconds * 1000;

/** Replays desired-replica changes, as `[at seconds, replicas]`, on a service that started with `initial`. */
function run(initial: number, changes: Array<[number, number]>, startupDelayMs = 60_000): SimulatedService {
  return changes.reduce((service, [at, replicas]) => setDesired(service, replicas, s(at), startupDelayMs), create(initial, T0));
}

describe('Function: setDesired and ready', () => {
  it.each([
    { name: 'initial replicas serve at once', initial: 2, changes: [], at: 0, desired: 2, ready: 2 },
    { name: 'added replicas are not ready before the start-up delay', initial: 1, changes: [[0, 3]], at: 59, desired: 3, ready: 1 },
    { name: 'added replicas are ready once the delay has passed', initial: 1, changes: [[0, 3]], at: 60, desired: 3, ready: 3 },
    { name: 'a custom start-up delay', initial: 1, changes: [[0, 2]], delay: 5_000, at: 5, desired: 2, ready: 2 },
    { name: 'a zero start-up delay', initial: 0, changes: [[0, 2]], delay: 0, at: 0, desired: 2, ready: 2 },
    { name: 'removal takes effect at once', initial: 4, changes: [[0, 1]], at: 0, desired: 1, ready: 1 },
    { name: 'removal takes starting replicas first', initial: 2, changes: [[0, 5], [10, 3]], at: 10, desired: 3, ready: 2 },
    { name: 'removal keeps the replicas that start soonest', initial: 1, changes: [[0, 2], [30, 3], [40, 2]], at: 60, desired: 2, ready: 2 },
    { name: 'removal below the ready count stops serving replicas too', initial: 3, changes: [[0, 6], [1, 2]], at: 100, desired: 2, ready: 2 },
    { name: 'scaling to zero', initial: 3, changes: [[0, 0]], at: 0, desired: 0, ready: 0 },
    { name: 'staggered scale-outs become ready one by one', initial: 1, changes: [[0, 2], [30, 3]], at: 75, desired: 3, ready: 2 },
    { name: 'the same desired count changes nothing', initial: 1, changes: [[0, 2], [30, 2]], at: 60, desired: 2, ready: 2 },
  ] as Array<{ name: string; initial: number; changes: Array<[number, number]>; delay?: number; at: number; desired: number; ready: number }>)(
    '$name',
    ({ initial, changes, delay, at, desired: wanted, ready: serving }) => {
      const service = run(initial, changes, delay);
      expect(desired(service)).toBe(wanted);
      expect(ready(service, s(at))).toBe(serving);
    },
  );

  it('never changes the state it was given', () => {
    const before = create(2, T0);
    setDesired(before, 5, T0);
    setDesired(before, 0, T0);
    expect(before).toEqual(create(2, T0));
  });

  it.each([-1, 1.5, Number.NaN])('refuses %s replicas', (replicas) => {
    expect(() => setDesired(create(1, T0), replicas, T0)).toThrow(RangeError);
    expect(() => create(replicas, T0)).toThrow(RangeError);
  });
});

describe('Function: cpuRatio and overloaded', () => {
  it.each([
    { name: 'load spread over ready replicas', initial: 4, load: 120, capacity: 50, cpu: 60, overloaded: false },
    { name: 'exactly at capacity', initial: 2, load: 100, capacity: 50, cpu: 100, overloaded: false },
    { name: 'demand above capacity reads above 100', initial: 1, load: 120, capacity: 50, cpu: 240, overloaded: true },
    { name: 'no load', initial: 3, load: 0, capacity: 50, cpu: 0, overloaded: false },
    { name: 'no ready replica reads as one replica carrying it all', initial: 0, load: 120, capacity: 50, cpu: 240, overloaded: true },
    { name: 'no ready replica and no load', initial: 0, load: 0, capacity: 50, cpu: 0, overloaded: false },
  ])('$name', ({ initial, load, capacity, cpu, overloaded: over }) => {
    const service = create(initial, T0);
    expect(cpuRatio(service, load, T0, capacity)).toBeCloseTo(cpu, 9);
    expect(overloaded(service, load, T0, capacity)).toBe(over);
  });

  it('counts only ready replicas while new ones start', () => {
    const service = setDesired(create(1, T0), 4, T0);
    expect(cpuRatio(service, 120, s(59), 50)).toBeCloseTo(240, 9);
    expect(overloaded(service, 120, s(59), 50)).toBe(true);
    expect(cpuRatio(service, 120, s(60), 50)).toBeCloseTo(60, 9);
    expect(overloaded(service, 120, s(60), 50)).toBe(false);
  });

  it.each([0, -5, Number.POSITIVE_INFINITY])('refuses a capacity of %s', (capacity) => {
    expect(() => cpuRatio(create(1, T0), 10, T0, capacity)).toThrow(RangeError);
    expect(() => overloaded(create(1, T0), 10, T0, capacity)).toThrow(RangeError);
  });
});
