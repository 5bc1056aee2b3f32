# SPDX-License-Identifier: MIT
# Identity lab tests (lab/idp, lab/sts): included by tests/lab/CMakeLists.txt.
set(_idp_libs lanyard_lab_sts lanyard_lab_idp lanyard_lab_http lanyard_crypto Qt6::Network)
lanyard_add_test(NAME TestIdpDiscovery SOURCES TestIdpDiscovery.cpp TestIdpHelpers.h LABELS integration LIBS ${_idp_libs} TIMEOUT 60)
lanyard_add_test(NAME TestIdpAuthorize SOURCES TestIdpAuthorize.cpp TestIdpHelpers.h LABELS integration LIBS ${_idp_libs} TIMEOUT 120)
lanyard_add_test(NAME TestIdpTokens SOURCES TestIdpTokens.cpp TestIdpHelpers.h LABELS integration LIBS ${_idp_libs} TIMEOUT 120)
lanyard_add_test(NAME TestStsExchange SOURCES TestStsExchange.cpp TestIdpHelpers.h LABELS integration LIBS ${_idp_libs} TIMEOUT 120)
lanyard_add_test(NAME TestLabJwtValidator SOURCES TestLabJwtValidator.cpp TestIdpHelpers.h LABELS integration LIBS ${_idp_libs} TIMEOUT 60)
lanyard_add_test(NAME TestIdpJoseInterop SOURCES TestIdpJoseInterop.cpp TestIdpHelpers.h LABELS interop LIBS ${_idp_libs} TIMEOUT 120)
