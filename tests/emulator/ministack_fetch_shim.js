// Loaded into ministack's Node.js Lambda workers by tests/emulator/ministack_server.py
// (NODE_OPTIONS=--require <this file>); used by cdkx's tests and demo only.
//
// In AWS, a function's fetch('https://<api>.execute-api.<region>.amazonaws.com/prod/') reaches
// API Gateway. Here no DNS resolves *.amazonaws.com, so the global fetch is wrapped: a request
// to such a host is sent over plain HTTP to the emulator (CDKX_MINISTACK_ENDPOINT, e.g.
// http://127.0.0.1:4566) with the URL's own Host header, which is what ministack routes
// execute-api calls by and what a SigV4 signature covers. Method, path, query, headers and body
// are sent unchanged; the answer comes back as a normal fetch Response. Any other URL goes to
// the original fetch untouched. Node's own fetch cannot be used for this: it replaces a Host
// header given to it by the URL's.
'use strict';

const http = require('http');

const target = process.env.CDKX_MINISTACK_ENDPOINT;
const originalFetch = globalThis.fetch;

function isAwsHost(hostname) {
  const h = hostname.toLowerCase();
  return h === 'amazonaws.com' || h.endsWith('.amazonaws.com');
}

if (target && typeof originalFetch === 'function') {
  const endpoint = new URL(target);

  globalThis.fetch = async function fetch(input, init) {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (!isAwsHost(url.hostname)) {
      return originalFetch(input, init);
    }
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : null;
    const headers = {};
    for (const [name, value] of request.headers) {
      headers[name] = value;
    }
    headers.host = url.host;
    if (body) {
      headers['content-length'] = String(body.length);
    }
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          hostname: endpoint.hostname,
          port: endpoint.port || 80,
          method: request.method,
          path: url.pathname + url.search,
          headers,
          signal: request.signal,
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const answer = new Headers();
            for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
              answer.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
            }
            const noBody = [101, 204, 205, 304].includes(res.statusCode) || request.method === 'HEAD';
            resolve(
              new Response(noBody ? null : Buffer.concat(chunks), {
                status: res.statusCode,
                statusText: res.statusMessage,
                headers: answer,
              }),
            );
          });
        },
      );
      // The same failure a real fetch reports when it cannot connect.
      req.on('error', (cause) => reject(new TypeError('fetch failed', { cause })));
      req.end(body ?? undefined);
    });
  };
}
