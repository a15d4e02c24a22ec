namespace Converge.Client.Connection;

/// <summary>
/// Flow control for the pushes of one connection: how many changes may be unanswered (neither acknowledged nor
/// rejected) at once, how many are, and whether changes were held back for want of room, so that answers know when
/// to send more. The rest of the outbox waits in its documents, where it is kept anyway.
/// </summary>
internal sealed class PushWindow
{
    private readonly Lock _gate = new();
    private int _limit = int.MaxValue;
    private int _inFlight;
    private bool _heldBack;

    /// <summary>The most changes unanswered at once; set from the welcome before anything is pushed.</summary>
    public int Limit
    {
        get
        {
            lock (_gate)
            {
                return _limit;
            }
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            lock (_gate)
            {
                _limit = value;
            }
        }
    }

    /// <summary>Changes pushed and not yet answered.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _inFlight;
            }
        }
    }

    /// <summary>How many more changes may be pushed now.</summary>
    public int Room
    {
        get
        {
            lock (_gate)
            {
                return Math.Max(0, _limit - _inFlight);
            }
        }
    }

    /// <summary>Records a push of <paramref name="count"/> changes; <paramref name="heldBack"/> when more were waiting than there was room for.</summary>
    public void Pushed(int count, bool heldBack)
    {
        lock (_gate)
        {
            _inFlight += count;
            _heldBack |= heldBack;
        }
    }

    /// <summary>
    /// Records one answer (an ack or a reject). True when changes were held back and half the window is free again:
    /// refilling in halves rather than per answer sends full frames instead of one change each.
    /// </summary>
    public bool Answered()
    {
        lock (_gate)
        {
            // Answers to changes pushed before a limit was lowered, or a server answering twice, must not go negative.
            _inFlight = Math.Max(0, _inFlight - 1);
            if (_heldBack && _inFlight <= _limit / 2)
            {
                _heldBack = false;
                return true;
            }

            return false;
        }
    }
}
