using System;
using System.Diagnostics;
using System.Threading;
using nanoFramework.Networking;
using SmartCommunity.SensorNode.Core;

namespace SmartCommunity.SensorNode
{
    /// <summary>The main loop: read what the scheduler says is due, feed the core, publish, sleep.</summary>
    public static class Program
    {
        // MQ-2 two-point calibration (raw ADC at clean air, raw counts per 1000 ppm): set per unit.
        private const int GasZeroRaw = 300;
        private const int GasRawPer1000Ppm = 900;

        // ZE07-CO two-point calibration (raw ADC at 0 ppm = 0.4 V, raw counts per 500 ppm = 1.6 V, at 11 dB
        // attenuation): nominal values, set per unit from a zero-air and a span-gas reading.
        private const int CoZeroRaw = 496;
        private const int CoRawPer500Ppm = 1986;

        public static void Main()
        {
            // 1. Core state from flash: config, sequence numbers, outbox.
            var core = new NodeCore(new FlashStorage(), Now());
            var provisioning = new SerialProvisioning(core);
            var p = core.Config.Profile;
            var hw = new Hardware(Profile.Has(p, Profile.SensorAccelerometer), Profile.Has(p, Profile.SensorClimate));
            var mqtt = new MqttLink();
            mqtt.Downlink += (topic, payload) => core.OnDownlink(payload, payload.Length, Now());
            long nextConnectAttempt = 0;

            while (true)
            {
                var now = Now();
                provisioning.Poll(now);

                // 2. Sensors, each at its own rate.
                if (core.Scheduler.IsDue(SamplingScheduler.Accelerometer, now))
                {
                    int x, y, z;
                    hw.ReadAccelerometer(out x, out y, out z);
                    core.OnAccelerometer(x, y, z, now);
                }

                if (core.Scheduler.IsDue(SamplingScheduler.Inputs, now))
                {
                    core.OnButton(hw.ButtonDown, now);
                    if (Profile.Has(p, Profile.SensorPir)) core.OnPir(hw.PirHigh, now);
                    if (Profile.Has(p, Profile.SensorReed)) core.OnDoor(hw.DoorOpen, now);
                    if (Profile.Has(p, Profile.SensorLeak)) core.OnLeak(hw.Wet, now);
                }

                if (core.Scheduler.IsDue(SamplingScheduler.Gas, now))
                {
                    core.OnGas(hw.ReadGasPpm(GasZeroRaw, GasRawPer1000Ppm), now);
                }

                if (core.Scheduler.IsDue(SamplingScheduler.Co, now))
                {
                    core.OnCo(hw.ReadCoPpm(CoZeroRaw, CoRawPer500Ppm), now);
                }

                int centi, deci;
                if (core.Scheduler.IsDue(SamplingScheduler.Climate, now) && hw.ReadClimate(out centi, out deci))
                {
                    core.OnClimate(centi, deci, now);
                }

                core.Tick(now);
                hw.SetOutputs(core.Indicator.LedOn, core.Indicator.BuzzerOn);

                // 3. Network: Wi-Fi and MQTT come and go; the outbox holds everything meanwhile.
                if (core.Provisioned && !mqtt.IsConnected && now >= nextConnectAttempt)
                {
                    nextConnectAttempt = now + 30000;
                    if (ConnectWifi(core) && mqtt.Connect(core))
                    {
                        core.OnConnected(now);
                    }
                }

                if (mqtt.IsConnected)
                {
                    core.BatteryPercent = hw.ReadBatteryPercent();
                    core.Flush(mqtt, now);
                }

                Thread.Sleep(core.Scheduler.MsUntilNext(Now()));
            }
        }

        private static bool ConnectWifi(NodeCore core)
        {
            var cs = new CancellationTokenSource(20000);
            // requiresDateTime: SNTP sets the RTC, which gives the core its first time sync.
            var ok = WifiNetworkHelper.ConnectDhcp(core.Config.WifiSsid, core.Config.WifiPassword, requiresDateTime: true, token: cs.Token);
            if (ok)
            {
                // A difference of DateTimes, so it does not depend on the runtime's tick epoch.
                var unix = (DateTime.UtcNow - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).Ticks / TimeSpan.TicksPerSecond;
                if (unix >= NodeCore.EarliestValidTime)
                {
                    core.Clock.Sync(unix, Now());
                }
            }
            else
            {
                Debug.WriteLine("wifi: " + WifiNetworkHelper.Status.ToString());
            }

            return ok;
        }

        // Monotonic ms since boot: the RTC may jump at a time sync, this timer does not.
        private static long Now() => (long)(nanoFramework.Hardware.Esp32.HighResTimer.GetCurrent() / 1000);
    }
}
