// What providers put in error messages: enough to act on, never a secret.

/** The URL as messages may show it: no user, password, query or fragment, where tokens tend to hide. */
export function shownUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

const EXCERPT_CHARACTERS = 100;
const REDACTED = 'REDACTED';

/**
 * The start of a body, on one line: enough to tell "maintenance" from a stack
 * trace. `secrets` go before it is cut, so that no part of one survives the cut;
 * a platform may echo what it was sent, the Authorization header included.
 */
export function excerpt(text: string, secrets: readonly string[], max = EXCERPT_CHARACTERS): string {
  const flat = scrub(text, secrets).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** `text` with every secret, in every form a platform might echo it in, replaced by REDACTED. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const form of secrets.flatMap(secretForms).sort((a, b) => b.length - a.length)) out = out.split(form).join(REDACTED);
  return out;
}

/**
 * A secret as sent or echoed: as it is and trimmed, base64 (a Basic
 * Authorization header), JSON- and URL-escaped; for a JSON secret (a login),
 * each of its values but the user name, which messages may name.
 */
export function secretForms(secret: string): string[] {
  const parsed = safeJson(secret);
  const values = typeof parsed === 'object' && parsed !== null ? Object.entries(parsed).flatMap(([key, value]) => (typeof value === 'string' && key !== 'username' ? [value] : [])) : [];
  const forms = new Set<string>();
  for (const value of [secret, secret.trim(), ...values]) {
    const base64 = Buffer.from(value, 'utf8').toString('base64');
    for (const form of [value, base64, base64.replace(/=+$/, ''), JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]) if (form !== '') forms.add(form);
  }
  return [...forms];
}

/** The body as JSON, or undefined when it is not. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An answer as a failure quotes it: `answered 503 Service Unavailable (maintenance until 11:00)`. */
export function answered(answer: { status: number; statusText: string }, start: string): string {
  return `answered ${[answer.status, answer.statusText, start && `(${start})`].filter(Boolean).join(' ')}`;
}
