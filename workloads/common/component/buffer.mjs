// Node's Buffer for handlers running in StarlingMonkey (componentize-js), from the
// `buffer` package (feross/buffer: Node's Buffer API for JS engines without it).
export { Buffer } from 'buffer';
