// In-memory oidc-provider adapter whose storage outlives Provider instances
// (so rotateSigningKey() can rebuild the Provider without losing sessions/grants/refresh tokens).

export function createStore() {
  return new Map();
}

const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export function adapterFor(store) {
  return class MemoryAdapter {
    constructor(model) { this.model = model; }

    key(id) { return `${this.model}:${id}`; }

    async upsert(id, payload, expiresIn) {
      const key = this.key(id);
      if (this.model === 'Session' && payload.uid) store.set(`sessionUid:${payload.uid}`, id);
      // Only tokens belong to a grant (as in oidc-provider's own memory adapter): an Interaction also carries a
      // grantId, and must survive the revocation that a sign-in as another user triggers mid-interaction.
      if (payload.grantId && GRANTABLE.has(this.model)) {
        const gk = `grant:${payload.grantId}`;
        const set = store.get(gk) || new Set();
        set.add(key);
        store.set(gk, set);
      }
      if (payload.userCode) store.set(`userCode:${payload.userCode}`, id);
      store.set(key, { payload, exp: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
    }

    async find(id) {
      if (id === undefined) return undefined;
      const key = this.key(id);
      const entry = store.get(key);
      if (!entry) return undefined;
      if (entry.exp !== undefined && entry.exp < Date.now()) { store.delete(key); return undefined; }
      return entry.payload;
    }

    async findByUid(uid) { return this.find(store.get(`sessionUid:${uid}`)); }

    async findByUserCode(userCode) { return this.find(store.get(`userCode:${userCode}`)); }

    async destroy(id) { store.delete(this.key(id)); }

    async revokeByGrantId(grantId) {
      const gk = `grant:${grantId}`;
      const set = store.get(gk);
      if (set) for (const k of set) store.delete(k);
      store.delete(gk);
    }

    async consume(id) {
      const entry = store.get(this.key(id));
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    }
  };
}

/** Removes every session, grant and token (admin "log out all sessions"). Returns how many entries went. */
export function revokeAllIn(store) {
  const models = ['Session', 'Grant', 'RefreshToken', 'AccessToken', 'AuthorizationCode', 'ClientCredentials',
    'Interaction', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PushedAuthorizationRequest'];
  let n = 0;
  for (const key of [...store.keys()]) {
    const model = key.slice(0, key.indexOf(':'));
    if (models.includes(model) || model === 'grant' || model === 'sessionUid') {
      store.delete(key);
      n += 1;
    }
  }
  return n;
}
