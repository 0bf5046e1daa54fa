using System;
using System.Threading;
using nanoFramework.M2Mqtt;
using nanoFramework.M2Mqtt.Messages;
using SmartCommunity.SensorNode.Core;

namespace SmartCommunity.SensorNode
{
    /// <summary>
    /// IPublisher over M2Mqtt with TLS. Publish blocks until the broker's PUBACK (or a timeout), because
    /// the core removes records from its outbox only once they are acknowledged.
    /// </summary>
    internal sealed class MqttLink : IPublisher
    {
        private const int AckTimeoutMs = 10000;
        private readonly AutoResetEvent _acked = new AutoResetEvent(false);
        private MqttClient _client;
        private ushort _waitingFor;
        private bool _lastAckOk;

        public delegate void DownlinkHandler(string topic, byte[] payload);

        public event DownlinkHandler Downlink;

        public bool IsConnected => _client != null && _client.IsConnected;

        /// <summary>1. TLS connect with the device's credentials and its last will; 2. subscribe to down and cfg.</summary>
        public bool Connect(NodeCore node)
        {
            var c = node.Config;
            string host;
            int port;
            ParseBroker(c.BrokerUrl, out host, out port);
            try
            {
                // The broker's CA certificate is stored in the device's certificate store when flashing
                // (README.md, "TLS"); TLS 1.2 only.
                _client = new MqttClient(host, port, true, null, null, MqttSslProtocols.TLSv1_2);
                _client.MqttMsgPublished += OnPublished;
                _client.MqttMsgPublishReceived += OnReceived;
                var willLength = node.BuildLastWill();
                var will = System.Text.Encoding.UTF8.GetString(node.PayloadBuffer, 0, willLength);
                var result = _client.Connect(c.DeviceId + "-fw", c.DeviceId, c.DeviceSecret,
                    true, MqttQoSLevel.AtLeastOnce, true, node.StatusTopic, will, false, 60);
                if (result != MqttReasonCode.Success)
                {
                    return false;
                }

                _client.Subscribe(new[] { node.DownTopic, node.ConfigTopic }, new[] { MqttQoSLevel.AtLeastOnce, MqttQoSLevel.AtLeastOnce });
                return true;
            }
            catch (Exception)
            {
                _client = null;
                return false;
            }
        }

        public bool Publish(string topic, byte[] payload, int length, bool retain)
        {
            if (!IsConnected)
            {
                return false;
            }

            var message = new byte[length];
            Array.Copy(payload, message, length);
            _acked.Reset();
            _waitingFor = _client.Publish(topic, message, null, null, MqttQoSLevel.AtLeastOnce, retain);
            return _acked.WaitOne(AckTimeoutMs, false) && _lastAckOk;
        }

        private void OnPublished(object sender, MqttMsgPublishedEventArgs e)
        {
            if (e.MessageId == _waitingFor)
            {
                _lastAckOk = e.IsPublished;
                _acked.Set();
            }
        }

        private void OnReceived(object sender, MqttMsgPublishEventArgs e) => Downlink?.Invoke(e.Topic, e.Message);

        private static void ParseBroker(string url, out string host, out int port)
        {
            var rest = url.Substring("mqtts://".Length);
            var colon = rest.IndexOf(':');
            host = colon < 0 ? rest : rest.Substring(0, colon);
            port = colon < 0 ? 8883 : int.Parse(rest.Substring(colon + 1));
        }
    }
}
