/** The anchor's one static client and account, shared by bench/anchor.ts and the load generator. */
export const ANCHOR_CLIENT = { client_id: 'anchor-client', client_secret: 'anchor-secret-0123456789abcdef0123456789' };
export const ANCHOR_REDIRECT = 'https://rp.example/cb';
export const ANCHOR_ACCOUNT = 'anchor-user';
