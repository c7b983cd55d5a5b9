// Reads {key, texts, attributes} on stdin, analyzes each text with perspective-api-client,
// and prints {results, error}: the client's answers, and its error for a wrong key.
'use strict';
const Perspective = require('perspective-api-client');

async function main() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const {key, texts, attributes} = JSON.parse(input);
  const perspective = new Perspective({apiKey: key});
  const results = [];
  for (const text of texts) {
    results.push(await perspective.analyze(text, {attributes}));
  }
  let error = null;
  try {
    await new Perspective({apiKey: 'wrong-key'}).analyze(texts[0]);
  } catch (err) {
    error = {name: err.name, message: err.message, status: err.response && err.response.status};
  }
  process.stdout.write(JSON.stringify({results, error}));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
