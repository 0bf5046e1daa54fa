using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Connections;
using MQTTnet.AspNetCore;

namespace SmartCommunity.Hub.Broker;

/// <summary>MQTT over WebSockets with the frame guard in front of MQTTnet, as on the TCP and TLS listeners.</summary>
public static class MqttWebSockets
{
    /// <summary>
    /// What MQTTnet's MapMqtt maps (its connection handler on ASP.NET Core's connection endpoint, the "mqtt" sub-protocol),
    /// with the guard between the WebSocket transport and MQTTnet. The transport writes each message's bytes into a pipe
    /// that MqttConnectionContext reads exactly like a TCP socket's, and completes it cleanly when the client closes, so
    /// the same truncated-packet spin was open here. WebSockets only: MQTT clients use nothing else, and long polling
    /// would be another way in.
    /// </summary>
    public static void MapGuardedMqtt(this IEndpointRouteBuilder endpoints, string path, MqttFrameGuard guard) =>
        endpoints.MapConnections(path, new HttpConnectionDispatcherOptions
        {
            Transports = HttpTransportType.WebSockets,
            WebSockets = { SubProtocolSelector = MqttSubProtocolSelector.SelectSubProtocol },
        }, connection => connection.UseMqttFrameGuard(guard).UseConnectionHandler<MqttConnectionHandler>());
}
