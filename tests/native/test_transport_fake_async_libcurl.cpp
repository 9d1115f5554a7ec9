// The whole TransportFake suite a third time as TransportFakeAsyncLibcurl: through chat_async
// with libcurl as the event loop's client for every endpoint, as it is for TLS and host names
// (TransportFakeAsync runs the fake upstream's http://127.0.0.1 through the loop's own HTTP/1.1
// client): both clients keep the promises of http_transport.h.
#define TRANSPORT_SUITE TransportFakeAsyncLibcurl
#define IMC_TRANSPORT_TESTS_ASYNC 1
#define IMC_TRANSPORT_TESTS_LIBCURL 1
#include "native/test_transport_fake.cpp"
