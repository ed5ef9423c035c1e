// The transaction side of the coordinator layer (issue 5): producer id allocation, the
// transaction coordinator's state machine, and its wiring to storage (__transaction_state,
// markers, schedules).

export { ProducerIdManager, PRODUCER_ID_BLOCK_SIZE, PRODUCER_ID_BLOCK_FILE } from './producer-ids.ts';
export {
  TransactionCoordinator,
  TRANSACTION_VERSION_2,
  type EndTxnResult,
  type EnlistMode,
  type TransactionMetadata,
  type TxnState,
  type TopicPartitionRef,
  type TxnCoordinatorHooks,
} from './transaction-coordinator.ts';
export { TransactionStateManager, TRANSACTION_STATE_TOPIC, type TransactionStateManagerOptions } from './transaction-state-manager.ts';
export {
  encodeTransactionLogKey,
  decodeTransactionLogKey,
  encodeTransactionLogValue,
  decodeTransactionLogValue,
  partitionForTransactionalId,
  TXN_STATUS,
  type TransactionLogValue,
} from './records.ts';
