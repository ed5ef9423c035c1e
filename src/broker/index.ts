export { startBroker, Broker, type BrokerOptions, type RunningBroker } from './broker.ts';
export { BrokerConfig } from './config/broker-config.ts';
export { parseProperties } from './config/properties.ts';
