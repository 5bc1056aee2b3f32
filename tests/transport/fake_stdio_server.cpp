// SPDX-License-Identifier: MIT
// A tiny stdio "MCP server" for TestStdioTransport. No Qt. Usage: fake_stdio_server <mode> [arg]
//   echo      answer every request: initialize gets an InitializeResult, others {"echo": params}
//   garbage   write a non-JSON line first, then behave like echo
//   exit      write two lines to stderr and exit with code 3 at once
//   crash     write to stderr, then kill itself with SIGKILL
//   stderr    write [arg] (default 5) numbered lines to stderr, then echo
//   huge      answer the first request with a line of [arg] bytes, then echo
//   split     write each answer in three pieces with pauses in between
//   env       answer every request with {"value": getenv(arg), "cwd": current directory}
//   stubborn  ignore SIGTERM and end of stdin (only SIGKILL ends it)
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include <unistd.h>

using nlohmann::json;

namespace {

void writeLine(const std::string& line)
{
    std::cout << line << '\n';
    std::cout.flush();
}

json answerFor(const json& request, const std::string& mode, const std::string& arg)
{
    json response = { { "jsonrpc", "2.0" }, { "id", request["id"] } };
    const std::string method = request.value("method", "");
    if (mode == "env") {
        const char* value = std::getenv(arg.c_str());
        char cwd[4096] = { 0 };
        const char* dir = ::getcwd(cwd, sizeof(cwd));
        response["result"] = { { "value", value ? value : "" }, { "cwd", dir ? dir : "" } };
    } else if (method == "initialize") {
        response["result"] = { { "protocolVersion", "2025-11-25" }, { "capabilities", json::object() },
            { "serverInfo", { { "name", "fake-stdio" }, { "version", "1.0" } } } };
    } else {
        response["result"] = { { "echo", request.contains("params") ? request["params"] : json() } };
    }
    return response;
}

} // namespace

int main(int argc, char** argv)
{
    const std::string mode = argc > 1 ? argv[1] : "echo";
    const std::string arg = argc > 2 ? argv[2] : "";

    if (mode == "exit") {
        std::cerr << "fake server starting\n";
        std::cerr << "fatal: configuration missing\n";
        std::cerr.flush();
        return 3;
    }
    if (mode == "crash") {
        std::cerr << "about to crash\n";
        std::cerr.flush();
        std::raise(SIGKILL);
        return 0;
    }
    if (mode == "stubborn") {
        std::signal(SIGTERM, SIG_IGN);
        std::string line;
        while (std::getline(std::cin, line)) { }
        while (true)
            std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (mode == "garbage")
        writeLine("this is not json {");
    if (mode == "stderr") {
        const int count = arg.empty() ? 5 : std::atoi(arg.c_str());
        for (int i = 1; i <= count; ++i)
            std::cerr << "log line " << i << '\n';
        std::cerr.flush();
    }

    bool hugeDone = false;
    std::string line;
    while (std::getline(std::cin, line)) {
        const json request = json::parse(line, nullptr, false);
        if (request.is_discarded() || !request.is_object() || !request.contains("id") || !request.contains("method"))
            continue; // notifications and junk get no answer
        json response = answerFor(request, mode, arg);
        if (mode == "huge" && !hugeDone) {
            hugeDone = true;
            const long size = arg.empty() ? 4 * 1024 * 1024 : std::atol(arg.c_str());
            response["result"] = { { "blob", std::string(static_cast<size_t>(size), 'x') } };
        }
        const std::string text = response.dump();
        if (mode == "split") {
            const size_t third = text.size() / 3;
            std::cout << text.substr(0, third);
            std::cout.flush();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            std::cout << text.substr(third, third);
            std::cout.flush();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            writeLine(text.substr(2 * third));
            continue;
        }
        writeLine(text);
    }
    return 0;
}
