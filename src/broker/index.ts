export { startBroker, Broker, type BrokerOptions, type RunningBroker } from './broker.ts';
export { BrokerConfig } from './config/broker-config.ts';
export { OAuthBearerValidationError, type OAuthBearerToken, type OAuthBearerValidationContext, type OAuthBearerValidator } from './auth/oauthbearer.ts';
export { parseProperties } from './config/properties.ts';
