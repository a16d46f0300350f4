// Hand-built hellos offer exactly what they say, and the answer parser reads ServerHellos, alerts and junk.
import { describe, expect, test } from 'vitest';
import {
  buildClientHello,
  buildSslv3ServerHello,
  parseClientHello,
  parseServerAnswer,
  WIRE_VERSIONS,
} from './client-hello.ts';

describe('hand-built ClientHello', () => {
  test.for(['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2'] as const)(
    'offers exactly %s and the given suites',
    (version) => {
      const hello = buildClientHello({ version, cipherSuites: [0x002f, 0xc013], serverName: 'example.test' });
      expect(parseClientHello(hello)).toEqual({
        version: WIRE_VERSIONS[version],
        cipherSuites: [0x002f, 0xc013],
      });
      // the record length matches the bytes that follow the 5-byte header
      expect(hello.readUInt16BE(3)).toBe(hello.length - 5);
    },
  );

  test('carries no extensions in an SSLv3 hello and SNI only for names', () => {
    const sslv3 = buildClientHello({ version: 'SSLv3', cipherSuites: [0x000a], serverName: 'example.test' });
    expect(sslv3.includes(Buffer.from('example.test'))).toBe(false);
    const byIp = buildClientHello({ version: 'TLSv1.2', cipherSuites: [0x000a], serverName: '127.0.0.1' });
    expect(byIp.includes(Buffer.from('127.0.0.1'))).toBe(false);
    const byName = buildClientHello({
      version: 'TLSv1.2',
      cipherSuites: [0x000a],
      serverName: 'example.test',
    });
    expect(byName.includes(Buffer.from('example.test'))).toBe(true);
  });
});

describe('server answer parser', () => {
  test('reads the version and suite of a ServerHello, also split across reads', () => {
    const hello = buildSslv3ServerHello(0x000a);
    expect(parseServerAnswer(hello)).toEqual({ kind: 'server_hello', version: 0x0300, cipherSuite: 0x000a });
    expect(parseServerAnswer(hello.subarray(0, 20))).toEqual({ kind: 'incomplete' });
  });

  test('reads an alert', () => {
    expect(parseServerAnswer(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 70]))).toEqual({
      kind: 'alert',
      level: 2,
      description: 70,
      name: 'protocol_version',
    });
  });

  test('calls a plain-HTTP answer unparseable', () => {
    expect(parseServerAnswer(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')).kind).toBe('unparseable');
  });
});
