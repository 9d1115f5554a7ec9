# Usage: cmake -DINPUT=file -DOUTPUT=file.cpp -DSYMBOL=kName -DNAMESPACE=imc::ui -P Embed.cmake
# Writes a C++ source defining `const unsigned char SYMBOL[]` and `const size_t SYMBOL##Size`.
file(READ "${INPUT}" _hex HEX)
string(LENGTH "${_hex}" _len)
math(EXPR _size "${_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" _bytes "${_bytes}")
file(WRITE "${OUTPUT}" "// Generated from ${INPUT} by cmake/Embed.cmake; do not edit.\n#include <cstddef>\nnamespace ${NAMESPACE} {\nextern const unsigned char ${SYMBOL}[];\nextern const size_t ${SYMBOL}Size;\nconst unsigned char ${SYMBOL}[] = {\n${_bytes}\n};\nconst size_t ${SYMBOL}Size = ${_size};\n}\n")
