// The transaction side of the coordinator layer (issue 5): producer id allocation, and
// (next) the transaction coordinator and its markers.

export { ProducerIdManager, PRODUCER_ID_BLOCK_SIZE, PRODUCER_ID_BLOCK_FILE } from './producer-ids.ts';
export { TransactionCoordinator, type TransactionMetadata, type TxnState, type TopicPartitionRef, type PendingOffset, type TxnCoordinatorHooks } from './transaction-coordinator.ts';
export {
  encodeTransactionLogKey,
  decodeTransactionLogKey,
  encodeTransactionLogValue,
  decodeTransactionLogValue,
  partitionForTransactionalId,
  TXN_STATUS,
  type TransactionLogValue,
} from './records.ts';
