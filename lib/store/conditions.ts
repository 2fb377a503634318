import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { unmarshallItem } from './client';

type Item = Record<string, unknown>;

/**
 * A conditional write whose condition did not hold, with the items as they
 * stood (written with ReturnValuesOnConditionCheckFailure ALL_OLD), so the
 * caller learns why without a second read. Keyed by the write's position in
 * its transaction, 0 for a single write; undefined where there was no item.
 */
export class ConditionFailedError extends Error {
  override readonly name = 'ConditionFailedError';
  constructor(
    readonly items: ReadonlyMap<number, Item | undefined>,
    options: ErrorOptions,
  ) {
    super('a conditional write found the item otherwise', options);
  }

  /** The item a single write found. */
  get item(): Item | undefined {
    return this.items.get(0);
  }
}

/** The failed condition an SDK error reports, or undefined when it reports anything else (a conflict, throttling, a bad request). */
function conditionFailure(error: unknown): ConditionFailedError | undefined {
  if (error instanceof ConditionalCheckFailedException) {
    return new ConditionFailedError(new Map([[0, error.Item && unmarshallItem(error.Item)]]), { cause: error });
  }
  if (!(error instanceof TransactionCanceledException)) return undefined;
  const items = new Map<number, Item | undefined>();
  error.CancellationReasons?.forEach((reason, i) => {
    if (reason.Code === 'ConditionalCheckFailed') items.set(i, reason.Item && unmarshallItem(reason.Item));
  });
  return items.size > 0 ? new ConditionFailedError(items, { cause: error }) : undefined;
}

/** Sends a conditional write: a failed condition is thrown as ConditionFailedError, any other error as it came. */
export async function conditional<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    throw conditionFailure(error) ?? error;
  }
}
