import { connectColumns, syscallTool } from '../../core/kit/syscli.js';
import { UDPCONNECT, type UdpConnectEvent } from './lib.js';

export default syscallTool(UDPCONNECT, {
  summary: 'each UDP connect(): process, fd, destination, local port, result; DNS lookups',
  replaces: 'udpconnect (BPF Performance Tools, a kprobe) — no kprobe, IPv6 too, AF_UNSPEC shown',
  example: 'netdx udpconnect -D 53',
  columns: connectColumns<UdpConnectEvent>((e) => (e.dissolve ? '(dissolve)' : e.daddr)),
});
