import { describe, expect, it } from 'vitest';
import { instancesToRemove } from '../../lib/scaling/deleteOrder';
import { stepFrom } from '../../lib/webhooks/step';

const bounds = { what: 'service', min: 1, max: 8 };

describe('stepFrom', () => {
  it.each([
    { name: 'up by the amount', current: 2, step: { action: 'up', amount: 2, min: 1, max: 5 }, to: 4 },
    { name: 'up to the max exactly', current: 3, step: { action: 'up', amount: 2, min: 1, max: 5 }, to: 5 },
    { name: 'down to the min exactly', current: 3, step: { action: 'down', amount: 2, min: 1, max: 5 }, to: 1 },
    { name: 'past the receiver max', current: 4, step: { action: 'up', amount: 2, min: 1, max: 5 }, refused: 'Cannot scale above provided max scale value' },
    { name: 'past the receiver min', current: 2, step: { action: 'down', amount: 2, min: 1, max: 5 }, refused: 'Cannot scale below provided min scale value' },
    { name: "past the service's max", current: 8, step: { action: 'up', amount: 1, min: 1, max: 20 }, refused: "Cannot scale above the service's max 8" },
    { name: 'from above the receiver max, down', current: 9, step: { action: 'down', amount: 1, min: 1, max: 5 }, to: 8 },
    { name: 'one step per new alert', current: 2, step: { action: 'up', amount: 2, min: 1, max: 8 }, steps: 3, to: 8 },
    { name: 'as many whole steps as fit under the receiver max', current: 2, step: { action: 'up', amount: 2, min: 1, max: 7 }, steps: 3, to: 6 },
    { name: "as many whole steps as fit under the service's max", current: 5, step: { action: 'up', amount: 1, min: 1, max: 20 }, steps: 5, to: 8 },
    { name: 'as many whole steps down as fit above the receiver min', current: 6, step: { action: 'down', amount: 2, min: 3, max: 8 }, steps: 3, to: 4 },
    { name: 'not even one step fits', current: 7, step: { action: 'up', amount: 2, min: 1, max: 8 }, steps: 3, refused: 'Cannot scale above provided max scale value' },
  ] as const)('$name', ({ current, step, steps = 1, ...expected }) => {
    const plan = stepFrom(current, step, bounds, steps, 'webhook');
    expect(plan).toEqual('to' in expected ? { to: expected.to, reason: 'webhook' } : { refused: 'bound', reason: expected.refused });
  });
});

describe('instancesToRemove', () => {
  const instances = [
    { id: 'i-b', removable: true },
    { id: 'i-a', removable: true },
    { id: 'i-new', removable: true },
    { id: 'i-kept', removable: false },
    { id: 'i-c', removable: true },
  ];
  const launched = new Map([
    ['i-a', 1000],
    ['i-b', 1000],
    ['i-c', 3000],
    ['i-kept', 4000],
  ]);

  it.each([
    { name: 'mostRecent: undated (just launched) first, then newest', order: 'mostRecent', count: 3, removed: ['i-new', 'i-c', 'i-b'] },
    { name: 'leastRecent: oldest first, equal times by id', order: 'leastRecent', count: 3, removed: ['i-a', 'i-b', 'i-c'] },
    { name: 'never more than can be removed', order: 'leastRecent', count: 9, removed: ['i-a', 'i-b', 'i-c', 'i-new'] },
  ] as const)('$name', ({ order, count, removed }) => {
    expect(instancesToRemove(instances, launched, count, order)).toEqual(removed);
  });
});
