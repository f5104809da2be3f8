// udpconnect as a library: one typed event per connect() call on a UDP socket, at its return.
import { CONNECT_FILTERS, connectDecoder, syscallSpec, type ConnectEvent } from '../../core/kit/sys.js';
import { udpconnect_event } from './udpconnect.h.js';

export interface UdpConnectEvent extends ConnectEvent {
  /** An AF_UNSPEC connect: the socket's association (its destination) dissolved; daddr is '-'. */
  dissolve: boolean;
}

const AF_UNSPEC = 0;

export const decodeUdpConnect = connectDecoder(udpconnect_event, (r) => ({ dissolve: r.afamily === AF_UNSPEC }));

export const UDPCONNECT = syscallSpec<UdpConnectEvent>('udpconnect', ['connect'], CONNECT_FILTERS, decodeUdpConnect);
