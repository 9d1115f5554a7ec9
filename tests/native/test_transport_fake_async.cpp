// The whole TransportFake suite again as TransportFakeAsync, every call through
// HttpTransport::chat_async (the event loop imc serve relays streams on, stream_engine.h)
// instead of the calling thread: both paths keep the promises of http_transport.h.
#define TRANSPORT_SUITE TransportFakeAsync
#define IMC_TRANSPORT_TESTS_ASYNC 1
#include "native/test_transport_fake.cpp"
