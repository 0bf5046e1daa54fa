namespace SmartCommunity.SensorNode.Core;

/// <summary>
/// <see cref="IStorage"/> in RAM, for the simulator and tests. It reuses each key's array once it is
/// big enough, so steady-state writes allocate nothing (the allocation test relies on this).
/// </summary>
public sealed class MemoryStorage : IStorage
{
    private string[] _keys = new string[8];
    private byte[][] _values = new byte[8][];
    private int[] _lengths = new int[8];
    private int _count;

    public int Writes { get; private set; }

    public int Read(string key, byte[] buffer)
    {
        var i = IndexOf(key);
        if (i < 0 || _lengths[i] > buffer.Length)
        {
            return -1;
        }

        System.Array.Copy(_values[i], buffer, _lengths[i]);
        return _lengths[i];
    }

    public void Write(string key, byte[] buffer, int count)
    {
        Writes++;
        var i = IndexOf(key);
        if (i < 0)
        {
            if (_count == _keys.Length)
            {
                Grow();
            }

            i = _count++;
            _keys[i] = key;
        }

        if (_values[i] == null || _values[i].Length < count)
        {
            _values[i] = new byte[count];
        }

        System.Array.Copy(buffer, _values[i], count);
        _lengths[i] = count;
    }

    public void Delete(string key)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            return;
        }

        _count--;
        _keys[i] = _keys[_count];
        _values[i] = _values[_count];
        _lengths[i] = _lengths[_count];
        _keys[_count] = null!;
        _values[_count] = null!;
    }

    private int IndexOf(string key)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_keys[i] == key)
            {
                return i;
            }
        }

        return -1;
    }

    private void Grow()
    {
        var n = _keys.Length * 2;
        var keys = new string[n];
        var values = new byte[n][];
        var lengths = new int[n];
        System.Array.Copy(_keys, keys, _count);
        System.Array.Copy(_values, values, _count);
        System.Array.Copy(_lengths, lengths, _count);
        _keys = keys;
        _values = values;
        _lengths = lengths;
    }
}
