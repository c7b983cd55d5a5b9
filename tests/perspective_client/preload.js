// Loaded with `node -r ./preload.js`: the unmodified client addresses Google; this sends
// its requests to PERSPECTIVE_BASE_URL instead, through the client's own axios.
'use strict';
const path = require('path');

const GOOGLE = 'https://commentanalyzer.googleapis.com/v1alpha1';
const target = process.env.PERSPECTIVE_BASE_URL;
if (!target) {
  throw new Error('set PERSPECTIVE_BASE_URL, e.g. http://127.0.0.1:8000/v1alpha1');
}
const clientDir = path.dirname(require.resolve('perspective-api-client'));
const axios = require(require.resolve('axios', {paths: [clientDir]}));

axios.interceptors.request.use((config) => {
  if (!config.url.startsWith(GOOGLE)) {
    throw new Error(`unexpected request to ${config.url}`);
  }
  config.url = target + config.url.slice(GOOGLE.length);
  // Never a proxy from the environment: the test server is local.
  config.proxy = false;
  return config;
});
