// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.4.24;

/// @title BatchTokenFixed
/// @notice Minimal token with a batch transfer for airdrops. Every arithmetic
///         operation, including the batch total, goes through a checked helper.
contract BatchTokenFixed {
    string public constant name = "Batch Token";
    uint8 public constant decimals = 18;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(uint256 supply) public {
        totalSupply = supply;
        balanceOf[msg.sender] = supply;
    }

    function transfer(address to, uint256 value) public returns (bool) {
        balanceOf[msg.sender] = sub(balanceOf[msg.sender], value);
        balanceOf[to] = add(balanceOf[to], value);
        emit Transfer(msg.sender, to, value);
        return true;
    }

    /// @notice Sends `value` tokens to every address in `receivers`.
    function batchTransfer(address[] receivers, uint256 value) public returns (bool) {
        require(receivers.length > 0 && receivers.length <= 20, "bad batch size");
        // A wrapped product would let a huge `value` cost the sender almost nothing.
        uint256 total = mul(receivers.length, value);
        balanceOf[msg.sender] = sub(balanceOf[msg.sender], total);
        for (uint256 i = 0; i < receivers.length; i++) {
            balanceOf[receivers[i]] = add(balanceOf[receivers[i]], value);
            emit Transfer(msg.sender, receivers[i], value);
        }
        return true;
    }

    function mul(uint256 a, uint256 b) internal pure returns (uint256) {
        if (a == 0) {
            return 0;
        }
        uint256 c = a * b;
        require(c / a == b, "multiplication overflow");
        return c;
    }

    function add(uint256 a, uint256 b) internal pure returns (uint256) {
        uint256 c = a + b;
        require(c >= a, "addition overflow");
        return c;
    }

    function sub(uint256 a, uint256 b) internal pure returns (uint256) {
        require(b <= a, "subtraction underflow");
        return a - b;
    }
}
