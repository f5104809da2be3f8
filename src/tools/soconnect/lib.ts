// soconnect as a library: one typed event per connect() call, at its return.
import { CONNECT_FILTERS, connectDecoder, syscallSpec, type ConnectEvent } from '../../core/kit/sys.js';
import { soconnect_event } from './soconnect.h.js';

export type SoConnectEvent = ConnectEvent;

export const decodeSoConnect = connectDecoder(soconnect_event);

export const SOCONNECT = syscallSpec<SoConnectEvent>('soconnect', ['connect'], CONNECT_FILTERS, decodeSoConnect);
