// Node's http module for the Lambda bundles, taken as CommonJS (see infra/bundling.ts): an ESM
// import of 'node:http' builds its ESM facade, which reads every export, and the lazy
// WebSocket / CloseEvent / MessageEvent getters among them load undici at cold start.
module.exports = process.getBuiltinModule('node:http');
