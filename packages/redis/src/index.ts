export { RedisStateStore, type RedisClient, type RedisStateStoreOptions } from './redisStateStore';
