export { type IoredisClient, type NodeRedisClient, RedisStateStore, type RedisClient, type RedisStateStoreOptions } from './redisStateStore';
