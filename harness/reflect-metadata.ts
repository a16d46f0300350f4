// A minimal Reflect metadata shim: @peculiar/x509's DI container (tsyringe) refuses to load without one.
//
// The project has no reflect-metadata package; tsyringe calls only getMetadata, getOwnMetadata and
// defineMetadata (all keyed by object), so a WeakMap is enough. Import this before @peculiar/x509.

type MetadataTarget = object;
type ReflectWithMetadata = typeof Reflect & {
  getMetadata?: (key: unknown, target: MetadataTarget) => unknown;
  getOwnMetadata?: (key: unknown, target: MetadataTarget) => unknown;
  defineMetadata?: (key: unknown, value: unknown, target: MetadataTarget) => void;
};

const reflect = Reflect as ReflectWithMetadata;

if (typeof reflect.getMetadata !== 'function') {
  const store = new WeakMap<MetadataTarget, Map<unknown, unknown>>();
  const getOwnMetadata = (key: unknown, target: MetadataTarget): unknown => store.get(target)?.get(key);
  reflect.getOwnMetadata = getOwnMetadata;
  reflect.defineMetadata = (key, value, target) => {
    const own = store.get(target) ?? new Map<unknown, unknown>();
    own.set(key, value);
    store.set(target, own);
  };
  reflect.getMetadata = (key, target) => {
    for (let at: MetadataTarget | null = target; at !== null; at = Object.getPrototypeOf(at)) {
      const value = getOwnMetadata(key, at);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}
