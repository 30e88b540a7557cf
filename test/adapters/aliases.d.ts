/* eslint-disable @typescript-eslint/no-require-imports -- an `export =` module is re-declared with `import = require` */
// The previous majors, installed under npm aliases, share the current majors' types.
declare module 'express4' {
  import express = require('express');
  export = express;
}
declare module 'koa2' {
  import Koa = require('koa');
  export = Koa;
}
