using System.Device.Adc;
using System.Device.Gpio;
using System.Device.I2c;
using Iot.Device.Bmxx80;
using nanoFramework.Hardware.Esp32;

namespace SmartCommunity.SensorNode
{
    /// <summary>Reads the pins and buses and converts to the core's integer units; no decisions here.</summary>
    internal sealed class Hardware
    {
        private const int Mpu6050Address = 0x68;
        private readonly GpioController _gpio = new GpioController();
        private readonly GpioPin _button;
        private readonly GpioPin _pir;
        private readonly GpioPin _reed;
        private readonly GpioPin _leak;
        private readonly GpioPin _led;
        private readonly GpioPin _buzzer;
        private readonly AdcChannel _gas;
        private readonly AdcChannel _battery;
        private readonly AdcChannel _co;
        private readonly I2cDevice _mpu;
        private readonly Bme280 _bme;
        private readonly byte[] _accel = new byte[6];
        private readonly byte[] _register = new byte[1];
        private readonly byte[] _write2 = new byte[2];

        public Hardware(bool accelerometer, bool climate)
        {
            _button = _gpio.OpenPin(Pins.SosButton, PinMode.InputPullUp);
            _pir = _gpio.OpenPin(Pins.Pir, PinMode.Input);
            _reed = _gpio.OpenPin(Pins.Reed, PinMode.InputPullUp);
            _leak = _gpio.OpenPin(Pins.LeakProbe, PinMode.InputPullUp);
            _led = _gpio.OpenPin(Pins.Led, PinMode.Output);
            _buzzer = _gpio.OpenPin(Pins.Buzzer, PinMode.Output);
            var adc = new AdcController();
            _gas = adc.OpenChannel(Pins.GasAdcChannel);
            _battery = adc.OpenChannel(Pins.BatteryAdcChannel);
            _co = adc.OpenChannel(Pins.CoAdcChannel);

            Configuration.SetPinFunction(Pins.I2cData, DeviceFunction.I2C1_DATA);
            Configuration.SetPinFunction(Pins.I2cClock, DeviceFunction.I2C1_CLOCK);
            if (accelerometer)
            {
                _mpu = I2cDevice.Create(new I2cConnectionSettings(1, Mpu6050Address));
                WriteRegister(0x6B, 0x00); // PWR_MGMT_1: wake up
                WriteRegister(0x1C, 0x18); // ACCEL_CONFIG: ±16 g, 2048 LSB/g (an impact must not clip)
                WriteRegister(0x1A, 0x03); // CONFIG: 44 Hz low-pass
            }

            if (climate)
            {
                _bme = new Bme280(I2cDevice.Create(new I2cConnectionSettings(1, Bmx280Base.DefaultI2cAddress)));
            }
        }

        public bool ButtonDown => _button.Read() == PinValue.Low;

        public bool PirHigh => _pir.Read() == PinValue.High;

        public bool DoorOpen => _reed.Read() == PinValue.High;

        public bool Wet => _leak.Read() == PinValue.Low;

        public void SetOutputs(bool led, bool buzzer)
        {
            _led.Write(led ? PinValue.High : PinValue.Low);
            _buzzer.Write(buzzer ? PinValue.High : PinValue.Low);
        }

        /// <summary>MPU6050 ACCEL_XOUT..ZOUT in milli-g (axes as mounted: x frontal, y vertical, z lateral).</summary>
        public void ReadAccelerometer(out int x, out int y, out int z)
        {
            _register[0] = 0x3B;
            _mpu.WriteRead(_register, _accel);
            x = (short)((_accel[0] << 8) | _accel[1]) * 1000 / 2048;
            y = (short)((_accel[2] << 8) | _accel[3]) * 1000 / 2048;
            z = (short)((_accel[4] << 8) | _accel[5]) * 1000 / 2048;
        }

        /// <summary>MQ-2 ppm from the ADC with a two-point calibration per unit (README.md, "MQ-2").</summary>
        public int ReadGasPpm(int zeroRaw, int rawPer1000Ppm)
        {
            var raw = _gas.ReadValue() - zeroRaw;
            return raw <= 0 ? 0 : raw * 1000 / rawPer1000Ppm;
        }

        /// <summary>
        /// CO ppm from the Winsen ZE07-CO's analog (DAC) output: 0.4 V at 0 ppm to 2.0 V at its 500 ppm full scale,
        /// linear. Two-point calibration per unit like the MQ-2 (README.md, "ZE07-CO"); above full scale the module
        /// saturates, which reads as 500 ppm — far above the hub's 100 ppm alert.
        /// </summary>
        public int ReadCoPpm(int zeroRaw, int rawPer500Ppm)
        {
            var raw = _co.ReadValue() - zeroRaw;
            return raw <= 0 ? 0 : raw * 500 / rawPer500Ppm;
        }

        /// <summary>LiPo percent from the divided cell voltage, linear between 3.3 V and 4.2 V.</summary>
        public int ReadBatteryPercent()
        {
            var millivolts = _battery.ReadValue() * 3300 * 2 / 4095;
            var percent = (millivolts - 3300) * 100 / 900;
            return percent < 0 ? 0 : percent > 100 ? 100 : percent;
        }

        public bool ReadClimate(out int centiCelsius, out int deciPercent)
        {
            var r = _bme.Read();
            centiCelsius = (int)(r.Temperature.DegreesCelsius * 100);
            deciPercent = (int)(r.Humidity.Percent * 10);
            return r.TemperatureIsValid && r.HumidityIsValid;
        }

        private void WriteRegister(byte register, byte value)
        {
            _write2[0] = register;
            _write2[1] = value;
            _mpu.Write(_write2);
        }
    }
}
