// The demos open their stores as the gateway does (REDIS_URL, DATABASE_URL, MFA_DATA_DIR): one
// implementation, in @mfakit/gateway.
export { type OpenedStores as DemoStores, openStores as openDemoStores, type StoreConfig as DemoStoreConfig } from '@mfakit/gateway';
