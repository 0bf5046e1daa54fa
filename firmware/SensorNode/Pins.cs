namespace SmartCommunity.SensorNode
{
    /// <summary>ESP32 DevKitC wiring (README.md has the table and why each pin was chosen).</summary>
    internal static class Pins
    {
        public const int SosButton = 25;    // to GND, internal pull-up
        public const int Pir = 26;          // HC-SR501 OUT (3.3 V level)
        public const int Reed = 27;         // reed switch to GND, pull-up; open door = high
        public const int LeakProbe = 14;    // probe pulls to GND when wet, pull-up
        public const int Led = 2;           // on-board LED
        public const int Buzzer = 13;       // active buzzer through an NPN transistor
        public const int I2cData = 21;
        public const int I2cClock = 22;
        public const int GasAdcChannel = 6; // ADC1_CH6 = GPIO34 (input-only, ADC1 works with Wi-Fi on)
        public const int BatteryAdcChannel = 7; // ADC1_CH7 = GPIO35 through a 100k/100k divider
        public const int CoAdcChannel = 0;  // ADC1_CH0 = GPIO36 (input-only): ZE07-CO DAC out, 0.4–2.0 V
        public const int ProvisioningRx = 16;
        public const int ProvisioningTx = 17;
    }
}
