import { BlockList, isIP } from 'node:net';
import type { TideConfig } from '../config';

// Which addresses a target may reach. A target's URL is the operator's to
// choose, and Tide sends it credentials: without a guard, a target could point
// at the cloud's metadata service (and the function's own role credentials
// there) or at the Lambda runtime on loopback. Private ranges (10/8, 172.16/12,
// 192.168/16) stay allowed, where most platforms run; TIDE_ALLOWED_TARGETS
// narrows targets to the hosts and CIDRs it lists.

/** What targets may reach, from the deployment's settings. */
export type TargetGuard = Pick<TideConfig, 'localStack' | 'allowedTargets'>;

const LINK_LOCAL = 'a link-local address, where cloud metadata services answer';
const METADATA = 'a cloud metadata address';
const LOOPBACK = 'a loopback address, reachable only on the local stack';

/** Refused whatever the settings. IPv4-mapped IPv6 addresses (::ffff:169.254.169.254) match the IPv4 rules. */
const NEVER: Array<[string, number, 'ipv4' | 'ipv6', string]> = [
  ['169.254.0.0', 16, 'ipv4', LINK_LOCAL],
  ['fe80::', 10, 'ipv6', LINK_LOCAL],
  // AWS's IPv6 metadata, DNS and time servers (fd00:ec2::254, ::253, ::123).
  ['fd00:ec2::', 32, 'ipv6', METADATA],
  // Alibaba Cloud's metadata service.
  ['100.100.100.200', 32, 'ipv4', METADATA],
  // NAT64 spellings of the link-local range.
  ['64:ff9b::a9fe:0', 112, 'ipv6', LINK_LOCAL],
];

/** Refused except on the local stack; "this host" (0.0.0.0, ::) connects to loopback too. */
const LOCAL_ONLY: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['127.0.0.0', 8, 'ipv4'],
  ['0.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
  ['::', 128, 'ipv6'],
];

/** Names of metadata services that are refused before anything resolves them. */
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

function blockList(ranges: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6', ...unknown[]]>): BlockList {
  const list = new BlockList();
  for (const [network, bits, family] of ranges) list.addSubnet(network, bits, family);
  return list;
}

const never = NEVER.map(([network, bits, family, kind]) => ({ list: blockList([[network, bits, family]]), kind }));
const localOnly = blockList(LOCAL_ONLY);

/** A host as URLs spell it, as an address or a name: no brackets, lower case, no trailing dot. */
export function plainHost(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

function contains(list: BlockList, address: string): boolean {
  return list.check(address, family(address));
}

/** Why a target may not reach this host before anything resolves it, or undefined: metadata names, and literal addresses. */
export function hostRefusal(hostname: string, guard: TargetGuard): string | undefined {
  const host = plainHost(hostname);
  if (METADATA_NAMES.has(host)) return `${host} is ${METADATA}`;
  if (isIP(host) !== 0) return addressRefusal(host, host, guard);
  return undefined;
}

/** Why a target may not connect to `address`, which `hostname` resolved to, or undefined when it may. */
export function addressRefusal(address: string, hostname: string, guard: TargetGuard): string | undefined {
  const host = plainHost(hostname);
  const what = host === address ? address : `${host} resolves to ${address}, which`;
  // BlockList answers false for what it cannot read, which would let it through.
  if (isIP(address) === 0) return `${what} is not an IP address`;
  for (const { list, kind } of never) if (contains(list, address)) return `${what} is ${kind}`;
  if (!guard.localStack && contains(localOnly, address)) return `${what} is ${LOOPBACK}`;
  if (guard.allowedTargets && !listed(host, address, guard.allowedTargets)) return `${what} is not in TIDE_ALLOWED_TARGETS`;
  return undefined;
}

/** A host named in the list (`ops.example`, or under `*.example`), or an address inside one of its addresses or CIDRs. */
function listed(host: string, address: string, entries: readonly string[]): boolean {
  const cidrs = new BlockList();
  for (const entry of entries) {
    const [network = '', bits] = entry.split('/');
    const version = isIP(network);
    if (version === 0) {
      const name = plainHost(entry);
      if (host === name || (name.startsWith('*.') && host.endsWith(name.slice(1)))) return true;
      continue;
    }
    const size = bits === undefined ? (version === 6 ? 128 : 32) : Number(bits);
    cidrs.addSubnet(network, size, version === 6 ? 'ipv6' : 'ipv4');
  }
  return contains(cidrs, address);
}
