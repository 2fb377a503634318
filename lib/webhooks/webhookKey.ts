import { randomToken, sha256Hex } from '../credentials/random';

// A webhook key is Rancher's: 40 characters of [A-Za-z0-9] in the trigger URL.
// Its first 16 characters find the key's item; the other 24 (143 bits) are
// what a caller would have to guess. Only the whole key's SHA-256 is kept.

const KEY = /^[A-Za-z0-9]{40}$/;
const ID_LENGTH = 16;
const HINT_LENGTH = 4;

export interface IssuedWebhookKey {
  /** The secret, shown once in the create answer's URL. */
  key: string;
  keyId: string;
  /** What list and get show of the key, so operators can tell keys apart. */
  keyHint: string;
  hash: string;
}

export function issueWebhookKey(): IssuedWebhookKey {
  const key = randomToken(40);
  return { key, keyId: key.slice(0, ID_LENGTH), keyHint: key.slice(0, HINT_LENGTH), hash: sha256Hex(key) };
}

/** The id a presented key claims; undefined for anything that is not a key. */
export function keyIdOf(presented: string): string | undefined {
  return KEY.test(presented) ? presented.slice(0, ID_LENGTH) : undefined;
}

/** The key as list and get show it: its first characters, then stars to its full length. */
export function maskedKey(keyHint: string): string {
  return keyHint.padEnd(40, '*');
}
