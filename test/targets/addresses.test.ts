import { describe, expect, it } from 'vitest';
import { addressRefusal, hostRefusal, type TargetGuard } from '../../lib/targets/addresses';

const DEPLOYED: TargetGuard = { localStack: false };
const LOCAL: TargetGuard = { localStack: true };

describe('Function: hostRefusal (a URL host, before anything resolves it)', () => {
  it.each([
    { name: 'the metadata address', host: '169.254.169.254', why: '169.254.169.254 is a link-local address, where cloud metadata services answer' },
    { name: 'ECS task metadata', host: '169.254.170.2', why: '169.254.170.2 is a link-local address, where cloud metadata services answer' },
    { name: 'IPv6 link-local', host: '[fe80::1]', why: 'fe80::1 is a link-local address, where cloud metadata services answer' },
    { name: "AWS's IPv6 metadata", host: '[fd00:ec2::254]', why: 'fd00:ec2::254 is a cloud metadata address' },
    { name: 'the metadata address mapped into IPv6', host: '[::ffff:a9fe:a9fe]', why: '::ffff:a9fe:a9fe is a link-local address, where cloud metadata services answer' },
    { name: 'the metadata address through NAT64', host: '[64:ff9b::a9fe:a9fe]', why: '64:ff9b::a9fe:a9fe is a link-local address, where cloud metadata services answer' },
    { name: "Google's metadata name", host: 'metadata.google.internal', why: 'metadata.google.internal is a cloud metadata address' },
    { name: 'a metadata name in capitals with a trailing dot', host: 'METADATA.google.internal.', why: 'metadata.google.internal is a cloud metadata address' },
    { name: 'loopback, deployed', host: '127.0.0.1', why: '127.0.0.1 is a loopback address, reachable only on the local stack' },
    { name: 'IPv6 loopback, deployed', host: '[::1]', why: '::1 is a loopback address, reachable only on the local stack' },
    { name: '0.0.0.0, which reaches loopback, deployed', host: '0.0.0.0', why: '0.0.0.0 is a loopback address, reachable only on the local stack' },
  ])('refuses $name', ({ host, why }) => {
    expect(hostRefusal(host, DEPLOYED)).toBe(why);
  });

  it.each([
    { name: 'a public name (resolved and checked at call time)', host: 'rancher.example.com', guard: DEPLOYED },
    { name: 'a private address (10/8)', host: '10.0.3.7', guard: DEPLOYED },
    { name: 'a private address (172.16/12)', host: '172.20.0.5', guard: DEPLOYED },
    { name: 'a private address (192.168/16)', host: '192.168.1.20', guard: DEPLOYED },
    { name: 'loopback on the local stack', host: '127.0.0.1', guard: LOCAL },
    { name: 'IPv6 loopback on the local stack', host: '[::1]', guard: LOCAL },
  ])('allows $name', ({ host, guard }) => {
    expect(hostRefusal(host, guard)).toBeUndefined();
  });

  it('refuses the metadata address on the local stack too', () => {
    expect(hostRefusal('169.254.169.254', LOCAL)).toMatch(/link-local/);
  });
});

describe('Function: addressRefusal (an address a name resolved to)', () => {
  it('names the host and the address it resolved to', () => {
    expect(addressRefusal('169.254.169.254', 'ops.example', DEPLOYED)).toBe(
      'ops.example resolves to 169.254.169.254, which is a link-local address, where cloud metadata services answer',
    );
  });

  it('refuses what is not an address at all', () => {
    expect(addressRefusal('not-an-address', 'ops.example', LOCAL)).toBe('ops.example resolves to not-an-address, which is not an IP address');
  });

  describe('with TIDE_ALLOWED_TARGETS', () => {
    const guard: TargetGuard = { localStack: false, allowedTargets: ['rancher.corp.example', '*.k8s.corp.example', '10.20.0.0/16', '192.168.7.9', 'fd12::/16'] };

    it.each([
      { name: 'a listed name', host: 'rancher.corp.example', address: '10.99.0.1' },
      { name: 'a listed name in capitals', host: 'Rancher.Corp.Example', address: '10.99.0.1' },
      { name: 'a name under a listed *.domain', host: 'api.prod.k8s.corp.example', address: '10.99.0.2' },
      { name: 'an address inside a listed CIDR', host: 'swarm.corp.example', address: '10.20.4.5' },
      { name: 'a listed address', host: '192.168.7.9', address: '192.168.7.9' },
      { name: 'an IPv6 address inside a listed CIDR', host: 'v6.corp.example', address: 'fd12::8' },
    ])('allows $name', ({ host, address }) => {
      expect(addressRefusal(address, host, guard)).toBeUndefined();
    });

    it.each([
      { name: 'a name that is not listed, outside every CIDR', host: 'ops.example', address: '10.21.0.1', why: 'ops.example resolves to 10.21.0.1, which is not in TIDE_ALLOWED_TARGETS' },
      { name: 'the domain of a *.domain entry itself', host: 'k8s.corp.example', address: '10.99.0.3', why: 'k8s.corp.example resolves to 10.99.0.3, which is not in TIDE_ALLOWED_TARGETS' },
      { name: 'a listed name that resolves to the metadata address', host: 'rancher.corp.example', address: '169.254.169.254', why: 'rancher.corp.example resolves to 169.254.169.254, which is a link-local address, where cloud metadata services answer' },
      { name: 'an unlisted literal address', host: '192.168.7.10', address: '192.168.7.10', why: '192.168.7.10 is not in TIDE_ALLOWED_TARGETS' },
    ])('refuses $name', ({ host, address, why }) => {
      expect(addressRefusal(address, host, guard)).toBe(why);
    });
  });
});
