using System.IO.Ports;
using nanoFramework.Hardware.Esp32;
using SmartCommunity.SensorNode.Core;

namespace SmartCommunity.SensorNode
{
    /// <summary>Carries provisioning lines between UART2 and the core's ProvisioningSession.</summary>
    internal sealed class SerialProvisioning
    {
        private readonly SerialPort _port;
        private readonly ProvisioningSession _session;

        public SerialProvisioning(NodeCore node)
        {
            Configuration.SetPinFunction(Pins.ProvisioningRx, DeviceFunction.COM2_RX);
            Configuration.SetPinFunction(Pins.ProvisioningTx, DeviceFunction.COM2_TX);
            _session = new ProvisioningSession(node);
            _port = new SerialPort("COM2", 115200);
            _port.NewLine = "\n";
            _port.ReadTimeout = 50;
            _port.Open();
        }

        /// <summary>Handles at most one waiting line; called from the main loop.</summary>
        public void Poll(long nowMs)
        {
            if (_port.BytesToRead == 0)
            {
                return;
            }

            try
            {
                var line = _port.ReadLine();
                _port.WriteLine(_session.Handle(line, nowMs));
            }
            catch (System.TimeoutException)
            {
                // A partial line: the rest arrives with the next poll.
            }
        }
    }
}
