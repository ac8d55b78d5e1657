// Preloaded into emulators that bind every interface (kinesis-mock has no host option):
// forces each server to listen on 127.0.0.1 only. Nothing here is reachable from outside.
'use strict';
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args.length && typeof args[0] === 'object' && args[0] !== null) {
    args[0] = Object.assign({}, args[0], { host: '127.0.0.1' });
  } else if (args.length && (typeof args[0] === 'number' || typeof args[0] === 'string')) {
    if (typeof args[1] === 'string') {
      args[1] = '127.0.0.1';
    } else {
      args.splice(1, 0, '127.0.0.1');
    }
  }
  return listen.apply(this, args);
};
